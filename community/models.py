"""The organisation: streets, communities, departments, people and their roles.

A person's roles are ``Membership`` rows, each a role inside one organisation
unit (a street, a community or a department). A grid worker's membership is
scoped to the community; the grids app narrows it to the grids the person
staffs, since grids live there and this app knows no other app.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class TimeStampedModel(models.Model):
    """The base model every app's tables share."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


# --- Roles -------------------------------------------------------------------


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    SECRETARY = "secretary", _("Community secretary")
    MEDIATOR = "mediator", _("Mediator")
    VOLUNTEER_LEADER = "volunteer_leader", _("Volunteer team leader")
    STREET_DISPATCHER = "street_dispatcher", _("Street dispatcher")
    STREET_LEAD = "street_lead", _("Street lead")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    ADMIN = "admin", _("Administrator")


class Scope(models.TextChoices):
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    DEPARTMENT = "department", _("Department")
    SYSTEM = "system", _("Whole system")


# Which kind of organisation unit each role is held in.
ROLE_SCOPE: dict[str, Scope] = {
    Role.RESIDENT: Scope.COMMUNITY,
    Role.GRID_WORKER: Scope.COMMUNITY,
    Role.SECRETARY: Scope.COMMUNITY,
    Role.MEDIATOR: Scope.COMMUNITY,
    Role.VOLUNTEER_LEADER: Scope.COMMUNITY,
    Role.STREET_DISPATCHER: Scope.STREET,
    Role.STREET_LEAD: Scope.STREET,
    Role.DEPARTMENT_HANDLER: Scope.DEPARTMENT,
    Role.ADMIN: Scope.SYSTEM,
}

# The order in which a person with several roles is first shown their home:
# the role with the widest desk first.
ROLE_PRIORITY: list[str] = [
    Role.ADMIN,
    Role.STREET_LEAD,
    Role.STREET_DISPATCHER,
    Role.SECRETARY,
    Role.DEPARTMENT_HANDLER,
    Role.GRID_WORKER,
    Role.MEDIATOR,
    Role.VOLUNTEER_LEADER,
    Role.RESIDENT,
]

STREET_ROLES = [r for r, s in ROLE_SCOPE.items() if s == Scope.STREET]


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


# --- People ------------------------------------------------------------------------

phone_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland mobile number, e.g. 13800138000.")
)


def not_a_mobile_number(value: str) -> None:
    """Sign-in takes a username or a mobile number: a username that looks like
    a mobile number could capture someone else's sign-in."""
    if re.fullmatch(r"1[3-9]\d{9}", value):
        raise ValidationError(_("A username cannot be a mobile number."), code="mobile")


class User(AbstractUser):
    """A person: a login with a name and a mobile number; roles are memberships."""

    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("Letters, digits and @/./+/-/_ only; not a mobile number."),
        validators=[AbstractUser.username_validator, not_a_mobile_number],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    # Chinese names are written whole; first/last would split them wrongly.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[phone_validator],
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
        help_text=_("For notifications."),
    )
    email_notifications = models.BooleanField(_("e-mail notifications"), default=True)

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    @property
    def is_system_admin(self) -> bool:
        """Superusers and holders of the admin role see every unit."""
        if self.is_superuser:
            return True
        return any(m.role == Role.ADMIN for m in self.active_memberships)

    @property
    def active_memberships(self) -> list[Membership]:
        """This person's current roles, loaded once per request."""
        cached: list[Membership] | None = getattr(self, "_active_memberships", None)
        if cached is None:
            cached = list(
                self.memberships.filter(revoked_at__isnull=True).select_related(
                    "street", "community__street", "department__street"
                )
            )
            self._active_memberships = cached
        return cached


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, user: User | AnonymousUser) -> MembershipQuerySet:
        """Staff rosters: who holds which role in the units ``user`` can see.

        Residents are people, not staff, and are never listed here.
        """
        return (
            self.active()
            .exclude(role=Role.RESIDENT)
            .filter(
                Q(community__in=Community.objects.visible_to(user))
                | Q(street__in=Street.objects.visible_to(user))
                | Q(department__in=Department.objects.visible_to(user))
            )
        )


class Membership(TimeStampedModel):
    """One role a person holds in one organisation unit."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("street"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("community"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("department"),
    )
    granted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    # Ending a role keeps the row: who held which role when stays answerable.
    revoked_at = models.DateTimeField(_("ended"), null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["user_id", "role"]
        constraints = [
            # The scope column that is filled must be the one the role needs.
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=[r for r, s in ROLE_SCOPE.items() if s == Scope.COMMUNITY],
                        community__isnull=False,
                        street__isnull=True,
                        department__isnull=True,
                    )
                    | Q(
                        role__in=[r for r, s in ROLE_SCOPE.items() if s == Scope.STREET],
                        street__isnull=False,
                        community__isnull=True,
                        department__isnull=True,
                    )
                    | Q(
                        role__in=[r for r, s in ROLE_SCOPE.items() if s == Scope.DEPARTMENT],
                        department__isnull=False,
                        street__isnull=True,
                        community__isnull=True,
                    )
                    | Q(
                        role=Role.ADMIN,
                        street__isnull=True,
                        community__isnull=True,
                        department__isnull=True,
                    )
                ),
                name="membership_scope_matches_role",
                violation_error_message=_(
                    "Choose the unit the role is held in: a community for community "
                    "roles, a street for street roles, a department for department "
                    "handlers, and none for administrators."
                ),
            ),
            # One active row per person, role and unit (one constraint per
            # scope column, since NULLs never collide in a unique index).
            models.UniqueConstraint(
                fields=["user", "role", "community"],
                condition=Q(revoked_at__isnull=True, community__isnull=False),
                name="membership_unique_community",
                violation_error_message=_("This person already holds this role here."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "street"],
                condition=Q(revoked_at__isnull=True, street__isnull=False),
                name="membership_unique_street",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department"],
                condition=Q(revoked_at__isnull=True, department__isnull=False),
                name="membership_unique_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(revoked_at__isnull=True, role=Role.ADMIN),
                name="membership_unique_admin",
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="membership_user_active")]

    def __str__(self) -> str:
        unit = self.unit
        role = self.get_role_display()
        return f"{self.user} · {role} · {unit}" if unit else f"{self.user} · {role}"

    @property
    def unit(self) -> Street | Community | Department | None:
        return self.community or self.street or self.department

    @property
    def scope(self) -> Scope:
        return ROLE_SCOPE[self.role]


# --- Notifications ---------------------------------------------------------------------


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group bot")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def inbox(self, user: User | AnonymousUser) -> NotificationQuerySet:
        """What the bell shows: a person's own in-portal notifications."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user, channel=Channel.IN_APP)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message on one channel: an outbox row.

    Written in the same transaction as the change it reports, so it exists if
    and only if the change does. In-portal rows are delivered by existing;
    e-mail and group-bot rows are sent by a Celery task queued on commit, and
    the beat sweep picks up any row whose hand-off to the broker failed.
    """

    recipient = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
        help_text=_("Empty for a message to a unit's group bot."),
    )
    kind = models.CharField(_("kind"), max_length=50)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    # The e-mail address or bot URL at the time of writing, and the bot's
    # message format and the mobiles to @-mention.
    target = models.CharField(_("sent to"), max_length=500, blank=True)
    options = models.JSONField(_("channel options"), default=dict, blank=True)
    # Unique: the same event never makes the same message twice, even if
    # the code that reports it runs twice.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            # The sweep's scan: only rows still owed a delivery.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notification_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title
