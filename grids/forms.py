from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import User
from grids.models import Building, CareTag, Grid
from grids.selectors import buildings_for


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
        building = self.fields["building"]
        assert isinstance(building, forms.ModelChoiceField)
        building.queryset = buildings_for(user)


class PatrolStartForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grid = self.fields["grid"]
        assert isinstance(grid, forms.ModelChoiceField)
        grid.queryset = Grid.objects.filter(staff__user=user).distinct()


class CheckInForm(forms.Form):
    """A check-in. The building list is what the viewer may see; whether the
    building is on this patrol's grid is the service's call, with its message."""

    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    note = forms.CharField(
        label=_("What you found"),
        required=False,
        max_length=2000,
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
        building = self.fields["building"]
        assert isinstance(building, forms.ModelChoiceField)
        building.queryset = buildings_for(user)


class PatrolEndForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=_("Date of visit"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    condition = forms.CharField(
        label=_("How they are"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    needs = forms.CharField(
        label=_("What they need"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    follow_up = forms.CharField(
        label=_("Follow-up"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    card_left = forms.BooleanField(label=_("Contact card left"), required=False)
