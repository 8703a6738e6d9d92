"""The organisation: streets, communities, departments, people and their roles.

A person's roles are ``Membership`` rows, each a role inside one organisation
unit (a street, a community or a department). A grid worker's membership is
scoped to the community; the grids app narrows it to the grids the person
staffs, since grids live there and this app knows no other app.

By subject: ``base`` (the shared base model, roles), ``organisation`` (streets,
communities, departments), ``people`` (users, memberships), ``notifications``
(the outbox), ``drafts`` (photos kept while a refused form is mended).
"""

from community.models.base import (
    DESCRIPTION_LENGTH,
    NOTE_LENGTH,
    REASON_LENGTH,
    RECORD_LENGTH,
    ROLE_PRIORITY,
    ROLE_SCOPE,
    STATEMENT_LENGTH,
    STREET_ROLES,
    Role,
    Scope,
    TimeStampedModel,
)
from community.models.drafts import PhotoDraft, PhotoDraftPhoto
from community.models.notifications import (
    Channel,
    DeliveryStatus,
    Notification,
    ReminderItem,
)
from community.models.organisation import (
    BotKind,
    Community,
    Department,
    DepartmentKind,
    OrgUnit,
    Street,
)
from community.models.people import Membership, User, not_a_mobile_number, phone_validator

__all__ = [
    "DESCRIPTION_LENGTH",
    "NOTE_LENGTH",
    "REASON_LENGTH",
    "RECORD_LENGTH",
    "ROLE_PRIORITY",
    "ROLE_SCOPE",
    "STATEMENT_LENGTH",
    "STREET_ROLES",
    "BotKind",
    "Channel",
    "Community",
    "DeliveryStatus",
    "Department",
    "DepartmentKind",
    "Membership",
    "Notification",
    "OrgUnit",
    "PhotoDraft",
    "PhotoDraftPhoto",
    "ReminderItem",
    "Role",
    "Scope",
    "Street",
    "TimeStampedModel",
    "User",
    "not_a_mobile_number",
    "phone_validator",
]
