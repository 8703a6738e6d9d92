"""Forms of the mediation room: opening a case with its parties, one form per move."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.forms import StyledForm, keep_fields, limit_choices
from community.models import RECORD_LENGTH, STATEMENT_LENGTH, Membership, Role, User
from mediation.models import AgreementKind, CaseAction, CaseStatus, DisputeType, PartyRole, Source
from mediation.selectors import petitions_for_a_case
from petitions.models import Petition


def community_staff(community_id: int) -> Any:
    ids = (
        Membership.objects.active()
        .filter(community=community_id, role__in=[Role.MEDIATOR, Role.SECRETARY])
        .values("user")
    )
    return User.objects.filter(pk__in=ids).order_by("name_sort", "pk")


class CaseForm(StyledForm):
    source = forms.ChoiceField(label=_("How it came to us"), choices=Source.choices)
    dispute_type = forms.ChoiceField(label=_("Kind of dispute"), choices=DisputeType.choices)
    facts = forms.CharField(
        label=_("What happened"),
        max_length=STATEMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    mediators = forms.ModelMultipleChoiceField(
        label=_("Mediators"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    referred_by = forms.ModelChoiceField(
        label=_("Referred by (grid worker)"), queryset=User.objects.none(), required=False
    )
    # A number typed (with a bounded type-ahead), not a dropdown: a community files
    # thousands of requests, and one <select> of them all weighed megabytes.
    petition = forms.CharField(
        label=_("From request (its number)"),
        max_length=20,
        required=False,
        help_text=_(
            "The request's number, such as 20261123-00042: type a few of its digits or "
            "words to pick it. Opening the case from the request's page fills it in."
        ),
        widget=forms.TextInput(
            attrs={"list": "petition-choices", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, community_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "token" not in self.initial:
            self.initial["token"] = uuid.uuid4()
        self.community_id = community_id
        limit_choices(self, "mediators", community_staff(community_id))
        limit_choices(
            self,
            "referred_by",
            User.objects.filter(grid_duties__grid__community=community_id).distinct(),
        )
        self.fields["petition"].widget.attrs.update(
            {
                "hx-get": reverse("mediation:petition-choices"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#petition-choices",
                "hx-swap": "innerHTML",
            }
        )

    def clean_petition(self) -> Petition | None:
        reference = self.cleaned_data["petition"].strip()
        if not reference:
            return None
        petition = petitions_for_a_case(self.community_id).filter(reference=reference).first()
        if petition is None:
            raise forms.ValidationError(
                _(
                    "No request numbered %(reference)s in this community can be taken to "
                    "the room (it may already have a case, or have been merged or withdrawn)."
                ),
                params={"reference": reference},
            )
        return petition


class PartyForm(StyledForm):
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address or unit"), max_length=200, required=False)


# Two parties to start with and room for a third; the service insists on two named ones.
PartyFormSet = forms.formset_factory(PartyForm, extra=1, min_num=2, max_num=8)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


YES_NO = [("yes", _("Yes")), ("no", _("No"))]

FIELDS: dict[str, list[str]] = {
    CaseAction.SESSION: [
        "held_on",
        "place",
        "attendees",
        "record",
        "proposals",
        "signature_scan",
    ],
    CaseAction.AGREE: ["kind", "facts", "terms", "performance", "perform_by", "agreed_on"],
    CaseAction.NO_AGREEMENT: ["note"],
    CaseAction.REFER: ["note"],
    CaseAction.FOLLOW_UP: ["carried_out", "note", "next_due"],
    CaseAction.CLOSE: ["note"],
    CaseAction.EXTEND: ["until", "note"],
    CaseAction.FLAG_RISK: ["note"],
    CaseAction.CONFIRMATION: ["applied", "result"],
}
REQUIRED: dict[str, set[str]] = {
    CaseAction.SESSION: {"held_on", "record"},
    CaseAction.AGREE: {"kind", "terms", "performance", "perform_by"},
    CaseAction.NO_AGREEMENT: {"note"},
    CaseAction.REFER: {"note"},
    CaseAction.FOLLOW_UP: {"carried_out", "note"},
    CaseAction.EXTEND: {"until", "note"},
    CaseAction.FLAG_RISK: {"note"},
}
NOTE_LABELS: dict[str, Any] = {
    CaseAction.NO_AGREEMENT: _("Advice given on other channels"),
    CaseAction.REFER: _("Referred to"),
    CaseAction.FOLLOW_UP: _("What the visit found"),
    CaseAction.CLOSE: _("Closing note (optional)"),
    CaseAction.EXTEND: _("Why more time is needed"),
    CaseAction.FLAG_RISK: _("What could escalate"),
}


class CaseMoveForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    held_on = forms.DateField(label=_("Date"), widget=_date_input())
    place = forms.CharField(label=_("Place"), max_length=100, initial=_("Mediation room"))
    attendees = forms.CharField(label=_("Who attended"), max_length=500)
    record = forms.CharField(label=_("What was said"), max_length=RECORD_LENGTH, widget=_text(5))
    proposals = forms.CharField(
        label=_("What was proposed"), max_length=STATEMENT_LENGTH, widget=_text()
    )
    signature_scan = forms.FileField(label=_("Signature page, scanned (optional)"))
    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementKind.choices)
    facts = forms.CharField(
        label=_("Facts and responsibilities"), max_length=STATEMENT_LENGTH, widget=_text()
    )
    terms = forms.CharField(label=_("What was agreed"), max_length=STATEMENT_LENGTH, widget=_text())
    performance = forms.CharField(label=_("How and where it is carried out"), max_length=500)
    perform_by = forms.DateField(label=_("To be carried out by"), widget=_date_input())
    agreed_on = forms.DateField(label=_("Agreed on (empty: today)"), widget=_date_input())
    carried_out = forms.ChoiceField(
        label=_("Is the agreement being carried out?"), choices=YES_NO, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=STATEMENT_LENGTH, widget=_text(2))
    next_due = forms.DateField(label=_("Next visit (optional)"), widget=_date_input())
    until = forms.DateField(label=_("New date to close by"), widget=_date_input())
    applied = forms.BooleanField(label=_("The parties applied for judicial confirmation"))
    result = forms.CharField(label=_("Result of the confirmation"), max_length=200)

    def __init__(self, *args: Any, action: str, case: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update(version=case.version)
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        self.label = CaseAction(action).label
        keep_fields(self, FIELDS.get(action, []), REQUIRED.get(action, set()))
        if action in NOTE_LABELS:
            self.fields["note"].label = NOTE_LABELS[action]
        if "facts" in self.fields:
            self.initial.setdefault("facts", case.facts)
        if "held_on" in self.fields:
            self.initial.setdefault("held_on", timezone.localdate())

    def move_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "carried_out" in data:
            data["carried_out"] = data["carried_out"] == "yes"
        data.setdefault("note", "")
        return data


class CaseFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *CaseStatus.choices], required=False
    )
    dispute_type = forms.ChoiceField(
        label=_("Kind of dispute"), choices=[("", _("All")), *DisputeType.choices], required=False
    )
    mediator = forms.ModelChoiceField(
        label=_("Mediator"), queryset=User.objects.none(), required=False
    )
    overdue = forms.BooleanField(label=_("Past the time limit"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = Membership.objects.active().filter(
            user=user, role__in=[Role.MEDIATOR, Role.SECRETARY]
        )
        limit_choices(
            self,
            "mediator",
            User.objects.filter(Q(mediation_cases__community__in=communities.values("community")))
            .distinct()
            .order_by("name_sort", "pk"),
        )
