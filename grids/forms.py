from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community.forms import limit_choices
from community.models import DESCRIPTION_LENGTH, NOTE_LENGTH, User
from grids.models import (
    Building,
    BuildingUnit,
    CareTag,
    Facility,
    Grid,
    HazardKind,
    Severity,
    WorkCategory,
)
from grids.selectors import buildings_for, patrol_buildings_for


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
