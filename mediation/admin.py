"""Admin: cases are listed here, without what happened or who the parties are (the
mediation room's alone: MediationCase.sensitive_fields); they are worked only in the
portal (the state machine) and never deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from community.admin import PortalAdmin
from mediation.models import MediationCase


@admin.register(MediationCase)
class MediationCaseAdmin(PortalAdmin):
    list_display = ["number", "dispute_type", "status", "community", "opened_on"]
    list_filter = ["status", "dispute_type", "community"]
    list_select_related = ["community"]
    search_fields = ["number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
