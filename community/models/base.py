"""What every app's tables share, and the roles a person can hold."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Two declarations a model may make, read by the admin (community.admin.PortalRules):
#
#   sensitive_fields: ClassVar[tuple[str, ...]] = ("health_note",)
#       fields (or relations) the portal shows only to a few desks: the admin never
#       shows, edits, searches, filters or orders by them, nor accepts a lookup that
#       goes through them, from this model or across a relation from any other.
#   keeps_history: ClassVar[bool] = True
#       rows that are part of someone's record are closed, archived or anonymised,
#       never deleted.

# --- How much text a person may write ---------------------------------------
# Every TextField has one of these as its max_length (tests/community/
# test_text_limits.py holds every model to it), and the plain forms and
# serializers that write them use the same names. Django's forms and DRF's
# ModelSerializer enforce a model field's max_length; the database does not
# (its columns stay "text"), which is fine: forms and serializers are the doors.
REASON_LENGTH = 500  # a reason or a comment given with a step
NOTE_LENGTH = 2_000  # a note made on the spot (a check-in), an error kept for the admin
DESCRIPTION_LENGTH = 4_000  # a description, a note, a result, what a visit found
STATEMENT_LENGTH = 8_000  # a mediation case's facts, proposals and terms; a message
RECORD_LENGTH = 20_000  # a mediation session's record (调解笔录), which can run long


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
