"""Admin: read-only. Sign-ups move only through the state machine, and hours are a
ledger corrected by adding rows in the portal, never by editing one here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from community.admin import PortalAdmin
from volunteers.models import Activity, HoursEntry, Team, Volunteer


class ReadOnly(PortalAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ReadOnly):
    list_display = ["name", "community", "leader", "parent"]
    list_filter = ["community"]
    list_select_related = ["community", "leader", "parent"]


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnly):
    list_display = ["name", "community", "kind", "user"]
    list_filter = ["community", "kind"]
    list_select_related = ["community", "user"]
    search_fields = ["name", "phone"]


@admin.register(Activity)
class ActivityAdmin(ReadOnly):
    list_display = ["title", "team", "starts_at", "capacity", "status"]
    list_filter = ["status", "audience", "community"]
    list_select_related = ["team"]
    search_fields = ["title"]


@admin.register(HoursEntry)
class HoursEntryAdmin(ReadOnly):
    list_display = ["volunteer", "served_on", "kind", "hours", "reason"]
    list_filter = ["kind"]
    list_select_related = ["volunteer"]
