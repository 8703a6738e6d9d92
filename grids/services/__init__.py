"""Writes of the grids app, by subject. Each service is keyword-only and takes the actor."""

from grids.services.claims import claim_actions, claim_desks, claim_file, claim_move
from grids.services.hazards import (
    hazard_fix,
    hazard_photo_thumbnail,
    hazard_report,
    hazard_thumbnails_sweep,
)
from grids.services.notices import (
    notice_edit,
    notice_mark_read,
    notice_publish,
    notice_withdraw,
)
from grids.services.patrols import patrol_check_in, patrol_end, patrol_start
from grids.services.posters import building_poster_renew
from grids.services.residents import resident_link_account, resident_move_out, worklog_add
from grids.services.visits import visit_record, visits_notify_overdue

__all__ = [
    "building_poster_renew",
    "claim_actions",
    "claim_desks",
    "claim_file",
    "claim_move",
    "hazard_fix",
    "hazard_photo_thumbnail",
    "hazard_report",
    "hazard_thumbnails_sweep",
    "notice_edit",
    "notice_mark_read",
    "notice_publish",
    "notice_withdraw",
    "patrol_check_in",
    "patrol_end",
    "patrol_start",
    "resident_link_account",
    "resident_move_out",
    "visit_record",
    "visits_notify_overdue",
    "worklog_add",
]
