"""Forms of the requests workflow: intake, one form per move, the list filters."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.forms import StyledForm, keep_fields, limit_choices
from community.models import DESCRIPTION_LENGTH, REASON_LENGTH, Department, Role, User
from grids.models import Building, BuildingUnit, Grid
from petitions.models import (
    MOVES,
    OPEN_STATUSES,
    Action,
    Category,
    Channel,
    Petition,
    Priority,
    Rating,
    Status,
)
from petitions.selectors import recordable_buildings
from petitions.services.desks import home_communities


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _category() -> forms.ChoiceField:
    # No kind chosen for the person: an untouched list filed every matter as the
    # first kind (a safety hazard), which then went to the wrong desk.
    return forms.ChoiceField(
        label=_("What kind of matter"),
        choices=[("", _("— Please choose —")), *Category.choices],
        error_messages={"required": _("Choose what kind of matter it is.")},
    )


class IntakeForm(StyledForm):
    """What a resident (or a grid worker for them) says about the matter."""

    category = _category()
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    place_note = forms.CharField(
        label=_("Where exactly (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example: unit 2, the stairwell on the 5th floor."),
    )
    description = forms.CharField(
        label=_("What is the matter"), max_length=DESCRIPTION_LENGTH, widget=_textarea(4)
    )
    # Drawn once with the page: a second click sends the same token, and the
    # service returns the request the first click made.
    token = forms.UUIDField(widget=forms.HiddenInput)
    # Set after the duplicates were shown: file it anyway.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "token" not in self.initial:
            self.initial["token"] = uuid.uuid4()


class SubmitForm(IntakeForm):
    urgent = forms.BooleanField(
        label=_("Urgent: there is danger now"), required=False, widget=forms.CheckboxInput
    )

    field_order = ["category", "building", "place_note", "description", "urgent"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self,
            "building",
            Building.objects.filter(community__in=home_communities(user)).select_related(
                "community"
            ),
        )


class RecordForm(IntakeForm):
    """A grid worker or secretary records a request on someone's behalf."""

    channel = forms.ChoiceField(
        label=_("How it came in"),
        # Online and poster reports are filed by the resident themself.
        choices=[c for c in Channel.choices if c[0] not in (Channel.ONLINE, Channel.POSTER)],
    )
    requester_name = forms.CharField(label=_("Name of the person asking"), max_length=50)
    requester_phone = forms.CharField(
        label=_("Their phone (optional)"), max_length=20, required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )

    field_order = [
        "channel",
        "requester_name",
        "requester_phone",
        "category",
        "priority",
        "building",
        "place_note",
        "description",
    ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "building", recordable_buildings(user).select_related("community"))


# --- Moves ---------------------------------------------------------------------------

# The fields each move's form shows, beyond the hidden version.
ACTION_FIELDS: dict[str, list[str]] = {
    Action.ACCEPT: ["priority", "note"],
    Action.RETURN: ["reason"],
    Action.AMEND: ["description"],
    Action.WITHDRAW: ["reason"],
    Action.MERGE: ["original"],
    Action.ASSIGN: ["assignee", "internal_note"],
    Action.ESCALATE: ["reason", "share", "internal_note"],
    Action.STREET_RETURN: ["reason", "share"],
    Action.DISPATCH: ["department", "due_at", "internal_note"],
    Action.SIGN: ["note"],
    Action.DECLINE: ["reason", "share"],
    Action.REPLY: ["result"],
    Action.APPROVE: ["note"],
    Action.SEND_BACK: ["reason", "share"],
    Action.RESOLVE: ["result"],
    Action.CALLBACK: ["note", "share"],
    Action.RATE: ["rating", "comment"],
    Action.HOLD: ["reason", "share"],
    Action.RESUME: ["note"],
    Action.URGE: [],
}
# Moves the requester makes: their own words, no note on who reads them.
REQUESTER_MOVES = {Action.AMEND, Action.WITHDRAW, Action.URGE}
# Moves that take photos: the problem again, a result, the callback.
PHOTO_ACTIONS = {Action.AMEND, Action.REPLY, Action.RESOLVE, Action.CALLBACK}
REQUIRED: dict[str, set[str]] = {
    Action.RETURN: {"reason"},
    Action.AMEND: {"description"},
    Action.MERGE: {"original"},
    Action.ASSIGN: {"assignee"},
    Action.ESCALATE: {"reason"},
    Action.STREET_RETURN: {"reason"},
    Action.DISPATCH: {"department"},
    Action.DECLINE: {"reason"},
    Action.REPLY: {"result"},
    Action.SEND_BACK: {"reason"},
    Action.RESOLVE: {"result"},
    Action.CALLBACK: {"note"},
    Action.RATE: {"rating"},
    Action.HOLD: {"reason"},
}
NOTE_LABELS: dict[str, Any] = {
    Action.CALLBACK: _("What the resident said"),
}
# Next to each staff text field: who will read it (Move.public_text).
RESIDENT_READS = _("The resident reads this.")
STAFF_ONLY = _("Only staff read this, unless you tick “Show to the resident”.")
HELP: dict[str, Any] = {
    Action.RETURN: _("The resident reads this: say what they should add."),
}


class MoveForm(StyledForm):
    """One move on one request; the fields are those the move needs (ACTION_FIELDS)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_LENGTH, widget=_textarea(2))
    note = forms.CharField(
        label=_("Note for the resident"), max_length=DESCRIPTION_LENGTH, widget=_textarea(2)
    )
    share = forms.BooleanField(
        label=_("Show to the resident"),
        help_text=_("Leave it off for what is about the handling: only staff read it then."),
    )
    internal_note = forms.CharField(
        label=_("Internal note (staff only)"),
        max_length=DESCRIPTION_LENGTH,
        widget=_textarea(2),
        help_text=_("The resident never reads this."),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    description = forms.CharField(
        label=_("What is the matter"), max_length=DESCRIPTION_LENGTH, widget=_textarea(4)
    )
    result = forms.CharField(
        label=_("What was done"),
        max_length=DESCRIPTION_LENGTH,
        widget=_textarea(3),
        help_text=_("The resident reads this."),
    )
    original = forms.ModelChoiceField(
        label=_("The request it repeats"), queryset=Petition.objects.none()
    )
    assignee = forms.ModelChoiceField(label=_("Who handles it"), queryset=User.objects.none())
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    due_at = forms.DateTimeField(
        label=_("Deadline (empty: by the rules)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    rating = forms.ChoiceField(
        label=_("How was it handled?"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=REASON_LENGTH,
        widget=_textarea(2),
        help_text=_("Shown on the request's page, to the resident and to staff."),
    )

    def __init__(
        self, *args: Any, action: str, petition: Petition, user: User, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {}).update(version=petition.version)
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        self.label = Action(action).label
        self.takes_photos = action in PHOTO_ACTIONS
        keep_fields(self, ACTION_FIELDS.get(action, []), REQUIRED.get(action, set()))
        if action in NOTE_LABELS and "note" in self.fields:
            self.fields["note"].label = NOTE_LABELS[action]
        if action not in REQUESTER_MOVES:
            shared = MOVES[action].public_text
            for name in ("reason", "note"):
                if name in self.fields:
                    self.fields[name].help_text = HELP.get(
                        action, RESIDENT_READS if shared else STAFF_ONLY
                    )
        if "priority" in self.fields:
            self.initial.setdefault("priority", petition.priority)
        if "original" in self.fields:
            # A duplicate repeats a matter at the same building: a short list to pick from.
            limit_choices(
                self,
                "original",
                Petition.objects.filter(building=petition.building_id, status__in=OPEN_STATUSES)
                .exclude(pk=petition.pk)
                .order_by("-created_at"),
            )
        if "assignee" in self.fields:
            limit_choices(
                self,
                "assignee",
                User.objects.filter(
                    Q(grid_duties__grid__community=petition.community_id)
                    | Q(
                        memberships__community=petition.community_id,
                        memberships__role=Role.SECRETARY,
                        memberships__revoked_at__isnull=True,
                    )
                )
                .distinct()
                .order_by("name_sort", "pk"),
            )
        if "department" in self.fields:
            limit_choices(
                self,
                "department",
                Department.objects.filter(street=petition.community.street_id),
            )

    def move_kwargs(self) -> dict[str, Any]:
        """What petition_move takes from this form."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data["share"] = bool(self.cleaned_data.get("share"))
        for text in ("reason", "note", "internal_note"):
            data.setdefault(text, "")
        return data


# --- The list's filters ---------------------------------------------------------------

SORTS = {
    "new": ("-created_at", _("Newest first")),
    "old": ("created_at", _("Oldest first")),
    "due": ("due_at", _("Deadline first")),
}


class ListFilterForm(StyledForm):
    q = forms.CharField(label=_("Reference or words"), max_length=50, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("open", _("All open")), *Status.choices],
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        choices=[(k, label) for k, (_field, label) in SORTS.items()],
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self,
            "grid",
            Grid.objects.visible_to(user).filter(kind="basic").select_related("community"),
        )


# --- Reporting from a building poster, without an account -----------------------------


class PosterReportForm(StyledForm):
    """Screen 1: what and where (the building is the poster's; photos beside the form)."""

    category = _category()
    unit = forms.ModelChoiceField(
        label=_("Unit (optional)"), queryset=BuildingUnit.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("What is the matter"), max_length=4000, widget=_textarea(4)
    )

    def __init__(self, *args: Any, building: Building, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", building.units.all())


class PosterPhoneForm(StyledForm):
    """Screen 2: the number the code (and later the follow link) goes to."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel-national"}),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
