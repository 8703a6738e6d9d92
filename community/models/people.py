"""People and the roles they hold in organisation units."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.models.base import ROLE_SCOPE, Role, Scope, TimeStampedModel
from community.models.organisation import Community, Department, Street
from community.sorting import NAME_SORT_LENGTH, keep_name_sort

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

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

    keeps_history: ClassVar[bool] = True

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
    # The name as pinyin, for lists in dictionary order (see community.sorting).
    name_sort = models.CharField(
        _("name in pinyin"), max_length=NAME_SORT_LENGTH, editable=False, db_index=True
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Every list and dropdown of people reads in pinyin order (李 before 王),
        # not in code-point order.
        ordering = ["name_sort", "id"]

    def __str__(self) -> str:
        return self.name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        keep_name_sort(self, str(self), kwargs)
        super().save(*args, **kwargs)

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

    keeps_history: ClassVar[bool] = True

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
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
        on_delete=models.PROTECT,
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
