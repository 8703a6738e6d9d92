"""Organisation units: streets, communities, departments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.models.base import STREET_ROLES, TimeStampedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from community.models.people import User


# --- Organisation units ----------------------------------------------------------


class BotKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group bot")
    DINGTALK = "dingtalk", _("DingTalk group bot")
    GENERIC = "generic", _("Generic JSON webhook")


class OrgUnit(TimeStampedModel):
    """What streets, communities and departments share: a name and a group bot."""

    name = models.CharField(_("name"), max_length=100)
    bot_webhook_url = models.URLField(
        _("group bot webhook"),
        max_length=500,
        blank=True,
        help_text=_("Messages for this unit's staff are posted here (WeCom or DingTalk bot)."),
    )
    bot_kind = models.CharField(
        _("group bot type"), max_length=20, choices=BotKind.choices, default=BotKind.WECOM
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class StreetQuerySet(models.QuerySet["Street"]):
    def visible_to(self, user: User | AnonymousUser) -> StreetQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        return self.filter(
            memberships__user=user,
            memberships__revoked_at__isnull=True,
            memberships__role__in=STREET_ROLES,
        ).distinct()


class Street(OrgUnit):
    """街道: the sub-district office that dispatches work to departments."""

    district = models.CharField(_("district"), max_length=100, blank=True)

    objects = StreetQuerySet.as_manager()

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="street_name_unique")]


def _own_or_street_units(user: User, unit_field: str) -> Q:
    """Units ``user`` holds a role in, and every unit of the streets they staff."""
    # Imported here: people.py (Membership) imports this module for its keys.
    from community.models.people import Membership

    active = Membership.objects.filter(user=user, revoked_at__isnull=True)
    return Q(pk__in=active.filter(**{f"{unit_field}__isnull": False}).values(unit_field)) | Q(
        street__in=active.filter(role__in=STREET_ROLES).values("street")
    )


class CommunityQuerySet(models.QuerySet["Community"]):
    def visible_to(self, user: User | AnonymousUser) -> CommunityQuerySet:
        """A community's people see it; so does the street above it."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        return self.filter(_own_or_street_units(user, "community"))


class Community(OrgUnit):
    """社区: a residents' committee led by its secretary, who is also grid chief."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)
    # The residents' own group (a WeCom/DingTalk group of the compound), apart
    # from the staff bot above: notices meant for residents go here, never
    # staff matters.
    residents_bot_webhook_url = models.URLField(
        _("residents' group bot webhook"),
        max_length=500,
        blank=True,
        help_text=_("Notices for residents are posted here (WeCom or DingTalk bot)."),
    )
    residents_bot_kind = models.CharField(
        _("residents' group bot type"),
        max_length=20,
        choices=BotKind.choices,
        default=BotKind.WECOM,
    )

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["street__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_name_unique")
        ]


class DepartmentKind(models.TextChoices):
    CITY_MANAGEMENT = "city_management", _("City management")
    POLICE = "police", _("Police station")
    POWER_SUPPLY = "power_supply", _("Power supply")
    PROPERTY = "property", _("Property management")
    HOUSING = "housing", _("Housing")
    OTHER = "other", _("Other")


class DepartmentQuerySet(models.QuerySet["Department"]):
    def visible_to(self, user: User | AnonymousUser) -> DepartmentQuerySet:
        """A department's handlers see it; the street that dispatches to it too."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self.all()
        return self.filter(_own_or_street_units(user, "department"))


class Department(OrgUnit):
    """A functional department the street dispatches work orders to."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="departments", verbose_name=_("street")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DepartmentKind.choices)
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["street__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="department_name_unique")
        ]
