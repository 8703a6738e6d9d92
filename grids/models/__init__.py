"""Grids: the buildings, households and residents of a community, and who looks after them.

A community is divided into basic grids (基础网格); every building belongs to
exactly one. Overlay grids (专项网格: police, city management, civilised-city
campaign) lie over the same buildings with their own staff. People staff a
grid through ``GridStaff``; what a grid worker may see follows from it.

By subject: ``places`` (grids, staff, buildings, units, households,
facilities), ``people`` (residents, care tags and plans, visits),
``fieldwork`` (patrols, hazards, the work log), ``claims`` (household
claims), ``notices`` (notices to residents).
"""

from grids.models.claims import (
    CLAIM_MOVES,
    ClaimAction,
    ClaimDesk,
    ClaimStatus,
    HouseholdClaim,
    HouseholdClaimEvent,
)
from grids.models.fieldwork import (
    HAZARD_MOVES,
    PATROL_MOVES,
    Hazard,
    HazardKind,
    HazardPhoto,
    HazardStatus,
    Patrol,
    PatrolCheckIn,
    PatrolStatus,
    PhotoStage,
    Severity,
    WorkCategory,
    WorkLogEntry,
    hazard_photo_path,
)
from grids.models.notices import (
    BODY_MAX,
    NOTICE_MOVES,
    TITLE_MAX,
    Notice,
    NoticeRead,
    NoticeRevision,
    NoticeStatus,
)
from grids.models.people import (
    DEFAULT_VISIT_INTERVAL_DAYS,
    CarePlan,
    CareTag,
    Gender,
    Resident,
    ResidentTag,
    Visit,
)
from grids.models.places import (
    Building,
    BuildingUnit,
    Duty,
    Facility,
    FacilityKind,
    FacilityStatus,
    Grid,
    GridKind,
    GridStaff,
    Household,
)

__all__ = [
    "BODY_MAX",
    "CLAIM_MOVES",
    "DEFAULT_VISIT_INTERVAL_DAYS",
    "HAZARD_MOVES",
    "NOTICE_MOVES",
    "PATROL_MOVES",
    "TITLE_MAX",
    "Building",
    "BuildingUnit",
    "CarePlan",
    "CareTag",
    "ClaimAction",
    "ClaimDesk",
    "ClaimStatus",
    "Duty",
    "Facility",
    "FacilityKind",
    "FacilityStatus",
    "Gender",
    "Grid",
    "GridKind",
    "GridStaff",
    "Hazard",
    "HazardKind",
    "HazardPhoto",
    "HazardStatus",
    "Household",
    "HouseholdClaim",
    "HouseholdClaimEvent",
    "Notice",
    "NoticeRead",
    "NoticeRevision",
    "NoticeStatus",
    "Patrol",
    "PatrolCheckIn",
    "PatrolStatus",
    "PhotoStage",
    "Resident",
    "ResidentTag",
    "Severity",
    "Visit",
    "WorkCategory",
    "WorkLogEntry",
    "hazard_photo_path",
]
