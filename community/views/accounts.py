"""A resident's own account: sign-up, code sign-in and password reset by SMS code,
change of password and the profile.

Every code flow has two steps. Step one takes the number and sends a code
(the same answer, a redirect to step two, whether the number has an account
or not); the number waits in the session. Step two takes the code with what
the flow needs; only after the code is right does the page say whether the
number has an account, to the person holding the phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from community import selectors, services
from community.auth import client_ip
from community.errors import DomainError
from community.forms import (
    CodeForm,
    PhoneForm,
    ProfileForm,
    ResetForm,
    SignUpForm,
    StyledPasswordChangeForm,
)
from community.http import AuthedHttpRequest
from community.models import User
from community.services.verification import Purpose, code_send, code_verify

BACKEND = "community.auth.UsernameOrPhoneBackend"


@dataclass(frozen=True)
class Flow:
    purpose: str
    slug: str  # the URL names are account-<slug> and account-<slug>-code
    title: str | Promise
    intro: str | Promise


FLOWS = {
    f.slug: f
    for f in (
        Flow(
            Purpose.SIGN_UP,
            "sign-up",
            gettext_lazy("Open an account"),
            gettext_lazy(
                "Residents open their own account with their mobile number. "
                "We send a 6-digit code to it by SMS."
            ),
        ),
        Flow(
            Purpose.SIGN_IN,
            "code-sign-in",
            gettext_lazy("Sign in with an SMS code"),
            gettext_lazy("No password needed: we send a 6-digit code to your mobile number."),
        ),
        Flow(
            Purpose.RESET,
            "reset",
            gettext_lazy("Forgot your password"),
            gettext_lazy(
                "We send a 6-digit code to the mobile number of your account; "
                "then you choose a new password."
            ),
        ),
    )
}


def _session_key(purpose: str) -> str:
    return f"verify:{purpose}"


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def _sign_in(request: HttpRequest, user: User) -> HttpResponse:
    """Sign in someone who just proved the account's number by its code."""
    services.account_number_proved(user=user)
    login(request, user, backend=BACKEND)
    return redirect("home")


@never_cache
@require_http_methods(["GET", "POST"])
def code_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Step one: the number. Registered or not, the answer is the same redirect."""
    flow = FLOWS.get(slug)
    if flow is None:
        raise Http404
    if request.user.is_authenticated and flow.purpose != Purpose.RESET:
        return redirect("home")
    form = PhoneForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            issued = code_send(
                phone=form.cleaned_data["phone"],
                purpose=flow.purpose,
                client_address=client_ip(request),
            )
        except DomainError as exc:
            form.add_error("phone" if exc.status_code == 400 else None, exc.message)
            status = exc.status_code
        else:
            request.session[_session_key(flow.purpose)] = issued.phone
            return redirect(f"account-{flow.slug}-code")
    return render(
        request, "community/account/request_code.html", {"flow": flow, "form": form}, status=status
    )


def _pending(request: HttpRequest, flow: Flow) -> str | None:
    phone = request.session.get(_session_key(flow.purpose))
    return phone if isinstance(phone, str) else None


def _code_page(
    request: HttpRequest, flow: Flow, form: CodeForm, phone: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "community/account/enter_code.html",
        {"flow": flow, "form": form, "phone": phone, "masked": masked(phone)},
        status=status,
    )


def _told(request: HttpRequest, template: str, phone: str) -> HttpResponse:
    """Whether the number has an account: said only after its code was right."""
    return render(request, f"community/account/{template}.html", {"masked": masked(phone)})


def _verified(request: HttpRequest, flow: Flow, form: CodeForm, phone: str) -> bool:
    """Spend the code; on failure put the reason on the form."""
    try:
        code_verify(phone=phone, purpose=flow.purpose, code=form.cleaned_data["code"])
    except DomainError as exc:
        form.add_error("code", exc.message)
        return False
    request.session.pop(_session_key(flow.purpose), None)
    return True


@never_cache
@sensitive_post_parameters("password1", "password2", "code")
@require_http_methods(["GET", "POST"])
def sign_up_code(request: HttpRequest) -> HttpResponse:
    flow = FLOWS["sign-up"]
    phone = _pending(request, flow)
    if phone is None:
        return redirect("account-sign-up")
    form = SignUpForm(request.POST or None, phone=phone)
    if request.method == "POST" and form.is_valid() and _verified(request, flow, form, phone):
        if selectors.account_for_phone(phone) is not None:
            return _told(request, "known_number", phone)
        try:
            user = services.account_sign_up(
                phone=phone,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
            )
        except DomainError:  # opened in another tab this very moment
            return _told(request, "known_number", phone)
        messages.success(request, _("Welcome! Your account is open."))
        return _sign_in(request, user)
    return _code_page(request, flow, form, phone, status=400 if form.errors else 200)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def code_sign_in_code(request: HttpRequest) -> HttpResponse:
    flow = FLOWS["code-sign-in"]
    phone = _pending(request, flow)
    if phone is None:
        return redirect("account-code-sign-in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _verified(request, flow, form, phone):
        user = selectors.account_for_phone(phone)
        if user is None or not user.is_active:
            return _told(request, "unknown_number", phone)
        return _sign_in(request, user)
    return _code_page(request, flow, form, phone, status=400 if form.errors else 200)


@never_cache
@sensitive_post_parameters("password1", "password2", "code")
@require_http_methods(["GET", "POST"])
def reset_code(request: HttpRequest) -> HttpResponse:
    flow = FLOWS["reset"]
    phone = _pending(request, flow)
    if phone is None:
        return redirect("account-reset")
    # The validators compare the password with the account's own details; the
    # account is looked up only for that and told about only after the code.
    account = selectors.account_for_phone(phone)
    form = ResetForm(request.POST or None, user=account)
    if request.method == "POST" and form.is_valid() and _verified(request, flow, form, phone):
        if account is None or not account.is_active:
            return _told(request, "unknown_number", phone)
        try:
            services.account_set_password(user=account, password=form.cleaned_data["password1"])
        except ValidationError as exc:  # pragma: no cover - the form ran the same validators
            form.add_error("password1", exc)
        else:
            messages.success(request, _("Your new password is set."))
            return _sign_in(request, account)
    return _code_page(request, flow, form, phone, status=400 if form.errors else 200)


@login_required
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request: AuthedHttpRequest) -> HttpResponse:
    form = StyledPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.account_set_password(
            user=request.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)  # stay signed in here
        messages.success(request, _("Your password is changed."))
        return redirect("account-profile")
    return render(
        request,
        "community/account/password_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "name": user.name,
            "language": user.language,
            "email": user.email,
            "email_notifications": user.email_notifications,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.account_update_profile(
            user=user,
            name=data["name"],
            email=data["email"],
            email_notifications=data["email_notifications"],
            language=data["language"],
        )
        translation.activate(data["language"])
        messages.success(request, _("Your profile is saved."))
        response = redirect("account-profile")
        # The page language follows the account's choice (as the switch does).
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            data["language"],
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
    return render(
        request,
        "community/account/profile.html",
        {"form": form, "phone": user.phone, "change_url": reverse("account-password-change")},
        status=400 if form.errors else 200,
    )
