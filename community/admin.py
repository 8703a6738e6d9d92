from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from community import services
from community.errors import DomainError
from community.models import Community, Department, Membership, Notification, Street, User


def _actor(request: HttpRequest) -> User:
    # The admin site lets only signed-in staff in.
    return cast(User, request.user)


# --- The portal's rules, in the admin ------------------------------------------------
#
# Models declare what is sensitive and whether they keep history (see
# community/models/base.py); every ModelAdmin and inline of ours derives from
# PortalAdmin or PortalTabularInline, which apply both. Declared options are
# filtered rather than trusted, so an admin that lists a sensitive field in
# list_display or search_fields by mistake still shows and searches nothing.


def sensitive_fields(model: type[Model]) -> frozenset[str]:
    return frozenset(getattr(model, "sensitive_fields", ()))


def keeps_history(model: type[Model]) -> bool:
    return bool(getattr(model, "keeps_history", False))


def reads_sensitive(model: type[Model], path: str) -> bool:
    """Whether a lookup or field path (``resident__health_note__contains``,
    ``^name``) goes through a sensitive field of any model on its way."""
    for part in path.lstrip("^=@").split(LOOKUP_SEP):
        if part in sensitive_fields(model):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup or transform ("contains", "year"), or not a field
        if not field.is_relation or field.related_model is None:
            return False
        model = cast(type[Model], field.related_model)
    return False


def _item_path(item: Any) -> str | None:
    """The field path of a list_filter, list_display or fields item, if it names one."""
    if isinstance(item, str):
        return item
    if isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
        return item[0]  # ("field", FilterClass)
    return None  # a SimpleListFilter class or a callable: it decides for itself


class PortalRules(BaseModelAdmin):
    """Sensitive fields are never read or written here; history is never deleted."""

    def _allowed(self, items: Iterable[Any]) -> list[Any]:
        kept = []
        for item in items:
            path = _item_path(item)
            if path is None or not reads_sensitive(self.model, path):
                kept.append(item)
        return kept

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # False makes the changelist raise DisallowedModelAdminLookup: a 400.
        if reads_sensitive(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        declared = super().get_exclude(request, obj) or ()
        return [*declared, *sorted(sensitive_fields(self.model) - set(declared))]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._allowed(super().get_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._allowed(super().get_readonly_fields(request, obj))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [
            (name, {**options, "fields": self._allowed(options.get("fields", ()))})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_ordering(self, request: HttpRequest) -> Any:
        ordering = super().get_ordering(request) or ()
        return [o for o in ordering if not reads_sensitive(self.model, str(o).lstrip("-"))]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Without it the bulk "delete selected" action is gone too.
        if keeps_history(self.model):
            return False
        return super().has_delete_permission(request, obj)


class PortalAdmin(PortalRules, admin.ModelAdmin):
    """The base of every ModelAdmin of ours (see PortalRules)."""

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._allowed(super().get_list_display(request))

    def get_list_filter(self, request: HttpRequest) -> Any:
        return self._allowed(super().get_list_filter(request))

    def get_search_fields(self, request: HttpRequest) -> Any:
        return self._allowed(super().get_search_fields(request))


class PortalTabularInline(PortalRules, admin.TabularInline):
    """The base of every inline of ours (see PortalRules)."""


class MembershipInline(PortalTabularInline):
    model = Membership
    fk_name = "user"
    fields = ("role", "street", "community", "department", "granted_by", "revoked_at")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("roles (grant and end them under Roles)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(PortalAdmin, DjangoUserAdmin):
    list_display = ["username", "name", "phone", "email", "is_active", "is_staff"]
    search_fields = ["username", "name", "phone", "email"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "phone", "email", "language", "email_notifications")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "name",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    inlines = [MembershipInline]


class OrgUnitAdmin(PortalAdmin):
    search_fields = ["name"]


@admin.register(Street)
class StreetAdmin(OrgUnitAdmin):
    list_display = ["name", "district"]


@admin.register(Community)
class CommunityAdmin(OrgUnitAdmin):
    list_display = ["name", "street", "phone"]
    list_filter = ["street"]
    list_select_related = ["street"]


@admin.register(Department)
class DepartmentAdmin(OrgUnitAdmin):
    list_display = ["name", "kind", "street", "phone"]
    list_filter = ["street", "kind"]
    list_select_related = ["street"]


@admin.register(Membership)
class MembershipAdmin(PortalAdmin):
    """Roles are granted and ended through the services, so people are notified."""

    list_display = ["user", "role", "street", "community", "department", "created_at", "revoked_at"]
    list_filter = ["role", "street", "community", "department"]
    list_select_related = ["user", "street", "community", "department"]
    search_fields = ["user__username", "user__name", "user__phone"]
    autocomplete_fields = ["user", "street", "community", "department"]
    fields = ["user", "role", "street", "community", "department"]
    actions = ["end_roles"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A role is granted or ended, never edited: history stays true.
        return obj is None and super().has_change_permission(request, obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class GrantForm(form_class):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                unit = data.get("community") or data.get("street") or data.get("department")
                role = data.get("role")
                if role and not services.can_grant(actor=_actor(request), role=role, unit=unit):
                    raise ValidationError(_("You may not appoint this role here."))
                return data

        return GrantForm

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        try:
            saved = services.membership_grant(
                user=obj.user, role=obj.role, unit=obj.unit, actor=_actor(request)
            )
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = saved.pk

    @admin.action(description=_("End the selected roles"))
    def end_roles(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        ended = 0
        for membership in queryset.filter(revoked_at__isnull=True).select_related(
            "user", "street", "community", "department"
        ):
            try:
                services.membership_revoke(membership=membership, actor=_actor(request))
                ended += 1
            except DomainError as exc:
                self.message_user(request, f"{membership}: {exc.message}", messages.ERROR)
        self.message_user(request, _("%(n)d roles ended.") % {"n": ended}, messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(PortalAdmin):
    list_display = ["title", "recipient", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "status", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username", "recipient__name", "dedupe_key"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
