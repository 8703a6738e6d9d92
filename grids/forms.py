from __future__ import annotations

import uuid
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


class HazardForm(StyledForm):
    """Where and what: the unit and facility lists follow the chosen building.

    The building's select asks the page (htmx) for its units and facilities
    when it changes; without JavaScript, before a building is chosen, every
    unit is listed under its building, and a unit of another building is
    refused with a message saying so.
    """

    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), empty_label="—"
    )
    unit = forms.ModelChoiceField(
        label=_("Unit (optional)"),
        queryset=BuildingUnit.objects.none(),
        required=False,
        empty_label="—",
    )
    facility = forms.ModelChoiceField(
        label=_("Facility (optional)"),
        queryset=Facility.objects.none(),
        required=False,
        empty_label="—",
    )
    # No kind chosen for the worker: an untouched list recorded every hazard as
    # the first kind (flying-wire charging).
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("— Please choose —")), *HazardKind.choices],
        error_messages={"required": _("Choose what kind of hazard it is.")},
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    description = forms.CharField(
        label=_("What was found"),
        max_length=DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Drawn once with the page and sent back with every send of it: a second tap
    # on a weak connection sends the same token, and finds the hazard the first
    # one made. Not required: a page drawn before the token existed still saves.
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, places_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4()
        buildings = buildings_for(user)
        units = (
            BuildingUnit.objects.filter(building__in=buildings)
            .select_related("building")
            .order_by("building__community_id", "building__number", "number")
        )
        facilities = (
            Facility.objects.filter(unit__building__in=buildings)
            .select_related("unit__building")
            .order_by("unit__building__community_id", "unit__building__number", "unit__number")
        )
        limit_choices(self, "building", buildings)
        limit_choices(self, "unit", units)
        limit_choices(self, "facility", facilities)
        if places_url:
            # Choosing a building swaps in its units and facilities (#hazard-place).
            self.fields["building"].widget.attrs.update(
                {"hx-get": places_url, "hx-target": "#hazard-place", "hx-swap": "innerHTML"}
            )
        # What is shown, not what is accepted: a unit of another building stays
        # a valid choice here so that clean() can say what is wrong with it.
        chosen = self._chosen_building(buildings)
        if chosen is not None:
            units = units.filter(building=chosen)
            facilities = facilities.filter(unit__building=chosen)
        self.fields["unit"].widget.choices = _by_building(units, lambda u: u.building)
        self.fields["facility"].widget.choices = _by_building(facilities, lambda f: f.unit.building)

    def _chosen_building(self, buildings: Any) -> Building | None:
        value = self.data.get("building") if self.is_bound else self.initial.get("building")
        try:
            pk = int(str(getattr(value, "pk", value)))
        except ValueError:
            return None
        return buildings.filter(pk=pk).first()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        building = data.get("building")
        if building is None:
            return data
        unit = data.get("unit")
        if unit is not None and unit.building_id != building.pk:
            self.add_error(
                "unit",
                _("%(unit)s is not in %(building)s: choose one of its units, or none.")
                % {"unit": unit, "building": building},
            )
        facility = data.get("facility")
        if facility is not None and facility.unit.building_id != building.pk:
            self.add_error(
                "facility",
                _("%(facility)s is not at %(building)s: choose one of its own, or none.")
                % {"facility": facility, "building": building},
            )
        return data


def _by_building(rows: Any, building_of: Any) -> list[Any]:
    """Select choices: one building's rows as they are, several grouped by building."""
    rows = list(rows)
    buildings = {building_of(r).pk for r in rows}
    if len(buildings) <= 1:
        return [("", "—"), *((r.pk, str(r)) for r in rows)]
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for r in rows:
        b = building_of(r)
        groups.setdefault(b.pk, (str(b), []))[1].append((r.pk, str(r)))
    return [("", "—"), *groups.values()]


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
