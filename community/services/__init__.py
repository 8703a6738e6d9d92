"""Writes of the organisation app. Each service is keyword-only and takes the actor."""

from community.services.accounts import (
    account_number_proved,
    account_set_password,
    account_sign_up,
    account_update_profile,
)
from community.services.memberships import (
    can_grant,
    membership_grant,
    membership_revoke,
    user_set_language,
)
from community.services.notifications import (
    DigestItem,
    notification_deliver,
    notification_mark_read,
    notifications_deliver,
    notifications_mark_all_read,
    notifications_sweep,
    notify,
    notify_digest,
    notify_residents,
    notify_unit,
)
from community.services.photo_drafts import (
    photo_draft_keep,
    photo_draft_open,
    photo_draft_take,
    photo_draft_token,
    photo_drafts_sweep,
)

__all__ = [
    "DigestItem",
    "account_number_proved",
    "account_set_password",
    "account_sign_up",
    "account_update_profile",
    "can_grant",
    "membership_grant",
    "membership_revoke",
    "notification_deliver",
    "notification_mark_read",
    "notifications_deliver",
    "notifications_mark_all_read",
    "notifications_sweep",
    "notify",
    "notify_digest",
    "notify_residents",
    "notify_unit",
    "photo_draft_keep",
    "photo_draft_open",
    "photo_draft_take",
    "photo_draft_token",
    "photo_drafts_sweep",
    "user_set_language",
]
