"""Admin: cases are read here; they are worked only in the portal (the state machine)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mediation.models import MediationCase


@admin.register(MediationCase)
class MediationCaseAdmin(admin.ModelAdmin):
    list_display = ["number", "dispute_type", "status", "community", "opened_on"]
    list_filter = ["status", "dispute_type", "community"]
    list_select_related = ["community"]
    search_fields = ["number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
