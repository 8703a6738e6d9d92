from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.forms import StyledForm, limit_choices
from community.models import DESCRIPTION_LENGTH, NOTE_LENGTH, Community, User
from grids.models import (
    BODY_MAX,
    TITLE_MAX,
    Building,
    BuildingUnit,
    CareTag,
    Facility,
    Grid,
    HazardKind,
    Resident,
    Severity,
    WorkCategory,
)
from grids.selectors import buildings_for, patrol_buildings_for
from grids.selectors_notices import NoticeScope


class ResidentFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or last digits of the phone"), required=False, max_length=50)
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    tag = forms.ChoiceField(
        label=_("Care tag"), choices=[("", _("All residents")), *CareTag.choices], required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only buildings the viewer may see can be chosen (others are "not a valid choice").
        limit_choices(self, "building", buildings_for(user))


class PatrolStartForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "grid", Grid.objects.filter(staff__user=user).distinct())


class CheckInForm(forms.Form):
    """A check-in at a building of the worker's community (see patrol_buildings_for)."""

    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    note = forms.CharField(
        label=_("What you found"),
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    latitude = forms.DecimalField(
        required=False,
        min_value=-90,
        max_value=90,
        max_digits=9,
        decimal_places=6,
        widget=forms.HiddenInput,
    )
    longitude = forms.DecimalField(
        required=False,
        min_value=-180,
        max_value=180,
        max_digits=9,
        decimal_places=6,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "building", patrol_buildings_for(user))


class PatrolEndForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=_("Date of visit"),
        # ISO, whatever the language: an <input type="date"> reads nothing else.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )
    condition = forms.CharField(
        label=_("How they are"),
        required=False,
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    needs = forms.CharField(
        label=_("What they need"),
        required=False,
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    follow_up = forms.CharField(
        label=_("Follow-up"),
        required=False,
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    card_left = forms.BooleanField(label=_("Contact card left"), required=False)


class HazardForm(forms.Form):
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    unit = forms.ModelChoiceField(
        label=_("Unit (optional)"), queryset=BuildingUnit.objects.none(), required=False
    )
    facility = forms.ModelChoiceField(
        label=_("Facility (optional)"), queryset=Facility.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=HazardKind.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    description = forms.CharField(
        label=_("What was found"),
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        buildings = buildings_for(user)
        for name, queryset in (
            ("building", buildings),
            (
                "unit",
                BuildingUnit.objects.filter(building__in=buildings).select_related("building"),
            ),
            (
                "facility",
                Facility.objects.filter(unit__building__in=buildings).select_related(
                    "unit__building"
                ),
            ),
        ):
            limit_choices(self, name, queryset)


class HazardFixForm(forms.Form):
    note = forms.CharField(
        label=_("How it was fixed"),
        required=False,
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class WorkLogForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none())
    category = forms.ChoiceField(label=_("Kind of work"), choices=WorkCategory.choices)
    done_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )
    note = forms.CharField(
        label=_("What was done"),
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "grid", Grid.objects.filter(staff__user=user).distinct())


class ClaimForm(StyledForm):
    """Where a new resident says they live."""

    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.order_by("name")
    )
    building = forms.IntegerField(label=_("Building number"), min_value=1, max_value=9999)
    unit = forms.IntegerField(label=_("Unit number"), min_value=1, max_value=99)
    room = forms.CharField(label=_("Room number"), max_length=10)
    name = forms.CharField(label=_("Your name"), max_length=50)


class ClaimDecisionForm(StyledForm):
    """The grid worker's decision: confirm (onto which record) or reject (why)."""

    resident = forms.ModelChoiceField(
        label=_("Resident record"),
        queryset=Resident.objects.none(),
        required=False,
        empty_label=_("A new record with the name and number given"),
    )
    reason = forms.CharField(
        label=_("Reason (when not confirming)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- Notices -----------------------------------------------------------------------

_WHEN = {"type": "datetime-local"}
_WHEN_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> reads and sends


class NoticeTextForm(StyledForm):
    """A notice's text and dates: what an edit may change."""

    title = forms.CharField(label=pgettext_lazy("notice", "Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    pinned = forms.BooleanField(label=_("Pin to the top"), required=False)
    starts_at = forms.DateTimeField(
        label=_("Show from"),
        required=False,
        help_text=_("Empty: from now."),
        widget=forms.DateTimeInput(format=_WHEN_FORMAT, attrs=_WHEN),
    )
    ends_at = forms.DateTimeField(
        label=_("Show until"),
        required=False,
        help_text=_("Empty: until withdrawn."),
        widget=forms.DateTimeInput(format=_WHEN_FORMAT, attrs=_WHEN),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at") or timezone.now(), data.get("ends_at")
        if ends is not None and ends <= starts:
            self.add_error("ends_at", _("The end must come after the start."))
        return data


class NoticeForm(NoticeTextForm):
    """A new notice: its text, and who it is for within what the author may address."""

    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    grids = forms.ModelMultipleChoiceField(
        label=_("Grids"),
        queryset=Grid.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "No grid and no building: the whole community (the secretary only). Like a "
            "notice in the stairwell, anyone who scans the building's poster can read it."
        ),
    )
    to_group_bot = forms.BooleanField(
        label=_("Also post it to the residents' group now"), required=False
    )

    field_order = ["community", "title", "body", "grids", "buildings"]

    def __init__(self, *args: Any, scope: NoticeScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "community", scope.communities)
        limit_choices(self, "grids", scope.grids)
        limit_choices(self, "buildings", scope.buildings)
        communities = list(scope.communities[:2])
        if len(communities) == 1:
            # One community: nothing to choose.
            self.fields["community"].widget = forms.HiddenInput()
            self.fields["community"].initial = communities[0].pk
