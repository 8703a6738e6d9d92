from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from community.http import MAX_DAY, MIN_DAY
from community.models import User


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


class _ClassOnEachChoice:
    """Radios or checkboxes: Bootstrap's class on each choice's input, never on the
    list's wrapper. Given to the widget, ``{{ field }}`` puts it on the wrapper too,
    and ``form-check-input`` there makes the whole list a 1 em box whose labels
    stand in one-character columns over the next fields."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)  # type: ignore[misc]
        option["attrs"]["class"] = "form-check-input"
        return option


# Django's own names: a template tells the widgets apart by ``field.widget_type``,
# the class name lowercased ("checkboxselectmultiple", "radioselect").
class CheckboxSelectMultiple(_ClassOnEachChoice, forms.CheckboxSelectMultiple):
    pass


class RadioSelect(_ClassOnEachChoice, forms.RadioSelect):
    pass


def _per_choice(
    widget: forms.RadioSelect | forms.CheckboxSelectMultiple,
) -> forms.RadioSelect | forms.CheckboxSelectMultiple:
    """The same list of radios or checkboxes, classed on each choice (see above)."""
    if isinstance(widget, _ClassOnEachChoice):
        return widget
    kind = (
        CheckboxSelectMultiple if isinstance(widget, forms.CheckboxSelectMultiple) else RadioSelect
    )
    classed = kind(attrs=widget.attrs, choices=widget.choices)
    classed.is_required = widget.is_required
    return classed


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates render fields in one loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                # Set before the form narrows the choices: a ModelChoiceField's new
                # queryset goes to the widget it has then.
                field.widget = _per_choice(widget)
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


# Every password box has a ceiling (Django's own old one): a megabyte typed into
# it is refused by the form, not hashed.
PASSWORD_MAX = 4096


def _password(label: Any, autocomplete: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


class LoginForm(AuthenticationForm):
    """Username or mobile number, and a password."""

    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Wrong username, mobile number or password. Both are case-sensitive; "
            "after 5 failed tries this login is locked for 15 minutes."
        ),
    }


# --- A resident's own account ---------------------------------------------------------


class PhoneForm(StyledForm):
    """Step one of every code flow: the mobile number the code goes to."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "tel-national", "autofocus": True}
        ),
    )


class CodeForm(StyledForm):
    """Step two: the code from the SMS (and what the flow needs besides)."""

    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class NewPasswordMixin(forms.Form):
    """Two password fields that must agree; the validators run in the service."""

    password1 = _password(
        _("Password"),
        "new-password",
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = _password(_("Password again"), "new-password")

    def clean_password2(self) -> str:
        one, two = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if one and two and one != two:
            raise forms.ValidationError(_("The two passwords differ."))
        return two or ""

    def password_user(self, data: dict[str, Any]) -> User | None:
        """The account the validators compare the password with (name, number)."""
        return None

    def clean(self) -> dict[str, Any]:
        """Check the password before the code is spent (a weak password keeps the code)."""
        data = super().clean() or {}
        password = data.get("password1")
        if password and "password2" not in self.errors:
            try:
                password_validation.validate_password(password, self.password_user(data))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class SignUpForm(NewPasswordMixin, CodeForm):
    name = forms.CharField(
        label=_("Your name"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    field_order = ["code", "name", "password1", "password2"]

    def __init__(self, *args: Any, phone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phone = phone

    def password_user(self, data: dict[str, Any]) -> User | None:
        return User(username="", name=data.get("name", ""), phone=self.phone)


class ResetForm(NewPasswordMixin, CodeForm):
    field_order = ["code", "password1", "password2"]

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def password_user(self, data: dict[str, Any]) -> User | None:
        return self.user


class StyledPasswordChangeForm(PasswordChangeForm):
    # Django's three fields, with the ceiling.
    old_password = _password(_("Old password"), "current-password")
    new_password1 = _password(
        _("New password"),
        "new-password",
        help_text=password_validation.password_validators_help_text_html,
    )
    new_password2 = _password(_("New password confirmation"), "new-password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class ProfileForm(StyledForm):
    name = forms.CharField(label=_("Your name"), max_length=50)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Optional. Notifications are always in the portal; e-mail is extra."),
    )
    email_notifications = forms.BooleanField(
        label=_("Also send my notifications by e-mail"), required=False
    )
