from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


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
    # As Django's, with a ceiling (Django's own old one, 4096): a megabyte typed into
    # the password box is refused by the form, not hashed.
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Wrong username, mobile number or password. Both are case-sensitive; "
            "after 5 failed tries this login is locked for 15 minutes."
        ),
    }
