"""Writes of the volunteers app. Each service is keyword-only and takes the actor.

By subject: ``teams`` (teams, projects, volunteers, joining), ``activities``
(planning, changing, cancelling, reminders), ``signups`` (the sign-up state
machine, places and the waiting list, check-in and check-out), ``hours`` (the ledger).
"""

from volunteers.services.activities import (
    activities_remind,
    activity_cancel,
    activity_create,
    activity_record_walk_ins,
    activity_update,
    default_hours,
)
from volunteers.services.checkin import checkin_code, checkin_problem, clock_time
from volunteers.services.common import can_manage
from volunteers.services.hours import credited, hours_correct, hours_due
from volunteers.services.signups import (
    allowed_actions,
    own_day_signups,
    places_taken,
    signup_create,
    signup_make,
    signup_move,
    signup_step,
    signups_check,
)
from volunteers.services.teams import (
    member_apply,
    member_move,
    project_save,
    team_create,
    team_update,
    volunteer_add,
    volunteer_for,
    volunteer_update,
)

__all__ = [
    "activities_remind",
    "activity_cancel",
    "activity_create",
    "activity_record_walk_ins",
    "activity_update",
    "allowed_actions",
    "can_manage",
    "checkin_code",
    "checkin_problem",
    "clock_time",
    "credited",
    "default_hours",
    "hours_correct",
    "hours_due",
    "member_apply",
    "member_move",
    "own_day_signups",
    "places_taken",
    "project_save",
    "signup_create",
    "signup_make",
    "signup_move",
    "signup_step",
    "signups_check",
    "team_create",
    "team_update",
    "volunteer_add",
    "volunteer_for",
    "volunteer_update",
]
