"""Admin: the deadline rules and the desks' time limits are set here; requests
are read here, moved only in the portal.

A request's status changes only through petitions.services.petition_move (the
state machine, its event and its messages), so the admin shows requests and
their timeline read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from community.admin import PortalAdmin, PortalTabularInline
from petitions.models import DeadlineRule, Petition, PetitionEvent, StageLimit


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(PortalAdmin):
    list_display = ["__str__", "category", "priority", "hours"]
    list_filter = ["priority"]


@admin.register(StageLimit)
class StageLimitAdmin(PortalAdmin):
    """Hours to accept, review, dispatch, sign for and call back; unset ones keep the defaults
    (petitions.services.deadlines.STAGE_HOURS)."""

    list_display = ["__str__", "stage", "priority", "hours"]
    list_filter = ["stage"]


class EventInline(PortalTabularInline):
    model = PetitionEvent
    extra = 0
    fields = ("created_at", "action", "actor", "desk", "from_status", "to_status", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Petition)
class PetitionAdmin(PortalAdmin):
    list_display = ["reference", "category", "status", "community", "grid", "created_at"]
    list_filter = ["status", "category", "priority", "community"]
    list_select_related = ["community", "grid"]
    search_fields = ["reference", "description", "requester_name"]
    inlines = [EventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
