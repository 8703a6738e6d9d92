"""Reads of the organisation app, always through the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from community.models import (
    ROLE_PRIORITY,
    Community,
    Department,
    Membership,
    Notification,
    PhotoDraftPhoto,
    Role,
    Street,
    User,
)
from community.models.drafts import PHOTO_DRAFT_LIFETIME, photo_draft_unsign


def account_for_phone(phone: str) -> User | None:
    """The account that signs in with ``phone``, if any (active or not)."""
    return User.objects.filter(phone=phone).first()


def roles_of(user: User | AnonymousUser) -> list[str]:
    """The roles a person holds, widest desk first.

    Someone without any role is a resident whose household is not yet
    confirmed: they can still use the portal as a resident.
    """
    if not user.is_authenticated:
        return []
    held = {m.role for m in user.active_memberships}
    if user.is_superuser:
        held.add(Role.ADMIN)
    return [r for r in ROLE_PRIORITY if r in held] or [Role.RESIDENT]


def memberships_in_role(user: User, role: str) -> list[Membership]:
    return [m for m in user.active_memberships if m.role == role]


def staff_of(unit: Street | Community | Department) -> list[Membership]:
    """Who works in a unit (residents are not staff), widest role first (one query)."""
    field = unit._meta.model_name or ""
    rows = (
        Membership.objects.active()
        .filter(**{field: unit})
        .exclude(role=Role.RESIDENT)
        .select_related("user")
    )
    return sorted(rows, key=lambda m: (ROLE_PRIORITY.index(m.role), m.user.name_sort, m.user.pk))


def street_overview(street: Street) -> tuple[list[Community], list[Department]]:
    """A street's communities (with staff and resident counts) and departments."""
    active = Q(memberships__revoked_at__isnull=True)
    communities = list(
        street.communities.annotate(
            staff_count=Count("memberships", filter=active & ~Q(memberships__role=Role.RESIDENT)),
            resident_count=Count("memberships", filter=active & Q(memberships__role=Role.RESIDENT)),
        ).order_by("name")
    )
    departments = list(
        street.departments.annotate(handler_count=Count("memberships", filter=active)).order_by(
            "name"
        )
    )
    return communities, departments


@dataclass
class SystemCounts:
    streets: int
    communities: int
    departments: int
    people: int
    pending_notifications: int


def system_counts() -> SystemCounts:
    return SystemCounts(
        streets=Street.objects.count(),
        communities=Community.objects.count(),
        departments=Department.objects.count(),
        people=User.objects.filter(is_active=True).count(),
        pending_notifications=Notification.objects.filter(
            status__in=["pending", "sending"]
        ).count(),
    )


@dataclass
class UnitCard:
    """One unit on a role's home page, with who works there."""

    unit: Street | Community | Department
    staff: list[Membership] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.unit._meta.model_name or ""

    @property
    def url(self) -> str:
        return reverse(f"{self.kind}-detail", args=[self.unit.pk])


def home_cards(user: User, role: str) -> list[UnitCard]:
    """The units ``user`` works in as ``role``, each with its people."""
    cards: list[UnitCard] = []
    for m in memberships_in_role(user, role):
        if m.community is not None:
            cards.append(UnitCard(unit=m.community, staff=staff_of(m.community)))
        elif m.street is not None:
            communities, departments = street_overview(m.street)
            cards.append(
                UnitCard(
                    unit=m.street,
                    staff=staff_of(m.street),
                    communities=communities,
                    departments=departments,
                )
            )
        elif m.department is not None:
            cards.append(UnitCard(unit=m.department, staff=staff_of(m.department)))
    return cards


def latest_notifications(user: User, limit: int = 5) -> list[Notification]:
    return list(Notification.objects.inbox(user)[:limit])


def communities_with_street(user: User | AnonymousUser) -> QuerySet[Community]:
    return Community.objects.visible_to(user).select_related("street")


def photo_draft_photo(*, token: str, pk: int, viewer: User | AnonymousUser) -> bytes | None:
    """One kept photo (see community.models.drafts) for whoever holds its draft's
    signed token: the draft's owner, or anyone for a draft made without an account."""
    value = photo_draft_unsign(token)
    if value is None:
        return None
    owners = Q(draft__owner__isnull=True)
    if viewer.is_authenticated:
        owners |= Q(draft__owner=viewer)
    row = (
        PhotoDraftPhoto.objects.filter(owners, pk=pk, draft__token=value)
        .filter(draft__created_at__gte=timezone.now() - PHOTO_DRAFT_LIFETIME)
        .only("data")
        .first()
    )
    return bytes(row.data) if row is not None else None
