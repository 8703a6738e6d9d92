"""Volunteers (志愿者): teams, volunteers, service projects, activities, sign-ups, hours.

A sign-up's status moves only through ``volunteers.services.signup_move`` along
``MOVES`` (``move_target``); every move writes a ``SignUpEvent``. An activity's places are held in
the database: every sign-up and every move locks the activity row first, then
counts (see ``volunteers.services.signups``). Hours are a ledger
(``HoursEntry``) that is only added to. Who sees what: ``visible_to`` and
``managed_by`` on each queryset.

By subject: ``teams`` (volunteers, teams, members, service projects),
``activities`` (activities, sign-ups and their events), ``hours`` (the ledger).
"""

from volunteers.models.activities import (
    ACTIVE_STATUSES,
    KIND_TARGETS,
    MANAGER_ACTIONS,
    MOVES,
    OWN_DAY_ACTIONS,
    Activity,
    ActivityStatus,
    Audience,
    SignUp,
    SignUpAction,
    SignUpEvent,
    SignUpKind,
    SignUpStatus,
    move_target,
)
from volunteers.models.hours import HoursEntry, HoursKind
from volunteers.models.teams import (
    MANAGER_MEMBER_ACTIONS,
    MEMBER_MOVES,
    MemberAction,
    MemberStatus,
    ProjectCategory,
    ServiceProject,
    Team,
    TeamMember,
    Volunteer,
    VolunteerKind,
    communities_of,
    managed_teams_q,
)

__all__ = [
    "ACTIVE_STATUSES",
    "KIND_TARGETS",
    "MANAGER_ACTIONS",
    "MANAGER_MEMBER_ACTIONS",
    "MEMBER_MOVES",
    "MOVES",
    "OWN_DAY_ACTIONS",
    "Activity",
    "ActivityStatus",
    "Audience",
    "HoursEntry",
    "HoursKind",
    "MemberAction",
    "MemberStatus",
    "ProjectCategory",
    "ServiceProject",
    "SignUp",
    "SignUpAction",
    "SignUpEvent",
    "SignUpKind",
    "SignUpStatus",
    "Team",
    "TeamMember",
    "Volunteer",
    "VolunteerKind",
    "communities_of",
    "managed_teams_q",
    "move_target",
]
