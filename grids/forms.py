from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import User
from grids.models import Building, CareTag
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
