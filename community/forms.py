from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from community.http import MAX_DAY, MIN_DAY


def limit_choices(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    """The choices this viewer has; anything else is "not a valid choice"."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def keep_fields(form: forms.Form, shown: Iterable[str], required: Iterable[str]) -> None:
    """One form class for many moves: keep the fields this move shows (and the hidden
    ``version``), drop the rest, and require the ones named (and ``version``)."""
    keep = {"version", *shown}
    needed = {"version", *required}
    for name in list(form.fields):
        if name in keep:
            form.fields[name].required = name in needed
        else:
            del form.fields[name]


class DayField(forms.DateField):
    """A day within the range every date computation of the portal can hold.

    0001-01-01 or 9999-12-31 are dates, but a day's start in UTC or the day after
    does not exist for them: refused here, never a 500 further on.
    """

    default_error_messages = {
        "range": _("Enter a date from %(min)s to %(max)s."),
    }

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not MIN_DAY <= value <= MAX_DAY:
            raise forms.ValidationError(
                self.error_messages["range"],
                code="range",
                params={"min": MIN_DAY.isoformat(), "max": MAX_DAY.isoformat()},
            )


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates render fields in one loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(
                widget, forms.RadioSelect | forms.CheckboxInput | forms.CheckboxSelectMultiple
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class LoginForm(AuthenticationForm):
    """Username or mobile number, and a password."""

    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Wrong username, mobile number or password. Both are case-sensitive; "
            "after 5 failed tries this login is locked for 15 minutes."
        ),
    }
