"""Writes of the requests workflow: intake, the one state machine, the deadline watch."""

from petitions.services.deadlines import (
    DEFAULT_HOURS,
    RESPOND_WITHIN,
    STAGE_HOURS,
    deadline_hours,
    stage_hours,
)
from petitions.services.desks import desks_of
from petitions.services.intake import (
    hazard_to_petition,
    petition_submit,
    petition_submit_from_poster,
    poster_requests_claim,
)
from petitions.services.photos import petition_photo_thumbnail, petition_thumbnails_sweep
from petitions.services.poster import (
    poster_code_send,
    poster_draft_save,
    poster_drafts_sweep,
    poster_report_file,
)
from petitions.services.watch import SweepCounts, petitions_deadline_sweep
from petitions.services.workflow import allowed_actions, petition_move

__all__ = [
    "DEFAULT_HOURS",
    "RESPOND_WITHIN",
    "STAGE_HOURS",
    "SweepCounts",
    "allowed_actions",
    "deadline_hours",
    "desks_of",
    "hazard_to_petition",
    "petition_move",
    "petition_photo_thumbnail",
    "petition_submit",
    "petition_submit_from_poster",
    "petition_thumbnails_sweep",
    "petitions_deadline_sweep",
    "poster_code_send",
    "poster_draft_save",
    "poster_drafts_sweep",
    "poster_report_file",
    "poster_requests_claim",
    "stage_hours",
]
