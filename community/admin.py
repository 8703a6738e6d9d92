from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from community import services
from community.errors import DomainError
from community.models import Community, Department, Membership, Notification, Street, User


def _actor(request: HttpRequest) -> User:
    # The admin site lets only signed-in staff in.
    return cast(User, request.user)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("role", "street", "community", "department", "granted_by", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("roles (grant and end them under Roles)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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


class OrgUnitAdmin(admin.ModelAdmin):
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
class MembershipAdmin(admin.ModelAdmin):
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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "status", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username", "recipient__name", "dedupe_key"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
