"""Granting and ending roles; a person's own preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError, NotAllowed
from community.models import (
    ROLE_SCOPE,
    Community,
    Department,
    Membership,
    Role,
    Scope,
    Street,
    User,
)
from community.services.notifications import notify, notify_unit

Unit = Street | Community | Department

# Roles a community secretary may hand out inside their own community.
SECRETARY_GRANTS = frozenset(
    {Role.RESIDENT, Role.GRID_WORKER, Role.MEDIATOR, Role.VOLUNTEER_LEADER}
)


def _unit_scope(unit: Unit | None) -> Scope:
    if unit is None:
        return Scope.SYSTEM
    return {
        Street: Scope.STREET,
        Community: Scope.COMMUNITY,
        Department: Scope.DEPARTMENT,
    }[type(unit)]


def _unit_street_id(unit: Unit | None) -> int | None:
    if unit is None:
        return None
    return unit.pk if isinstance(unit, Street) else unit.street_id


def can_grant(*, actor: User, role: str, unit: Unit | None) -> bool:
    """Admins grant anything; a street lead, roles in the street and below;
    a secretary, the community's own non-leading roles; a grid worker
    confirms residents of their community."""
    if actor.is_system_admin:
        return True
    if role == Role.ADMIN:
        return False
    for m in actor.active_memberships:
        if m.role == Role.STREET_LEAD and m.street_id == _unit_street_id(unit):
            return True
        same_community = isinstance(unit, Community) and m.community_id == unit.pk
        if m.role == Role.SECRETARY and role in SECRETARY_GRANTS and same_community:
            return True
        if m.role == Role.GRID_WORKER and role == Role.RESIDENT and same_community:
            return True
    return False


def membership_grant(*, user: User, role: str, unit: Unit | None, actor: User) -> Membership:
    """Give ``user`` a role in ``unit``.

    Steps: check the unit is of the kind the role needs and that the actor may
    grant it; in one transaction, write the membership and the notifications
    (to the person, and to the unit's group bot). Granting a role the person
    already holds returns the existing membership and notifies nobody.
    """
    if role not in ROLE_SCOPE:
        raise DomainError(_("Unknown role."))
    if ROLE_SCOPE[role] != _unit_scope(unit):
        raise DomainError(
            _("A %(role)s is appointed in a %(scope)s.")
            % {"role": Role(role).label, "scope": ROLE_SCOPE[role].label}
        )
    if not can_grant(actor=actor, role=role, unit=unit):
        raise NotAllowed(_("You may not appoint this role here."))

    scope_fields = {
        "street": unit if isinstance(unit, Street) else None,
        "community": unit if isinstance(unit, Community) else None,
        "department": unit if isinstance(unit, Department) else None,
    }
    with transaction.atomic():
        existing = Membership.objects.active().filter(user=user, role=role, **scope_fields).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=user, role=role, granted_by=actor, **scope_fields
                )
        except IntegrityError:
            # Someone granted the same role a moment ago: theirs stands.
            return Membership.objects.active().get(user=user, role=role, **scope_fields)
        if role == Role.ADMIN:
            _set_admin_site_access(user, allowed=True)

        params = {"role": Role(role).label, "unit": unit or _("the whole system")}
        notify(
            recipient=user,
            kind="membership.granted",
            title=_("You are now %(role)s of %(unit)s"),
            body=_("Sign in to the portal to see your new work page."),
            params=params,
            link=reverse("role-home", args=[role]),
            key=f"membership:{membership.pk}:granted",
        )
        if unit is not None:
            notify_unit(
                unit=unit,
                kind="membership.granted",
                title=_("%(name)s joins %(unit)s as %(role)s"),
                params={**params, "name": user},
                key=f"membership:{membership.pk}:granted",
                mention=[user],
            )
    return membership


def membership_revoke(*, membership: Membership, actor: User) -> Membership:
    """End a role. The row stays, with the time it ended; ending twice is a no-op."""
    if not can_grant(actor=actor, role=membership.role, unit=membership.unit):
        raise NotAllowed(_("You may not end this role."))
    with transaction.atomic():
        updated = Membership.objects.filter(pk=membership.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        membership.refresh_from_db()
        if updated and membership.role == Role.ADMIN:
            _set_admin_site_access(membership.user, allowed=False)
        if updated:
            notify(
                recipient=membership.user,
                kind="membership.revoked",
                title=_("Your role %(role)s of %(unit)s has ended"),
                params={
                    "role": membership.get_role_display(),
                    "unit": membership.unit or _("the whole system"),
                },
                key=f"membership:{membership.pk}:revoked",
            )
    return membership


def _set_admin_site_access(user: User, *, allowed: bool) -> None:
    """The administrator role is what opens the Django admin site."""
    user.is_staff = user.is_superuser = allowed
    user.save(update_fields=["is_staff", "is_superuser"])


def user_set_language(*, user: User, language: str) -> User:
    """Remember the language a person reads, for what we send them later."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Unknown language."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
