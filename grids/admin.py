from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from community.models import Community
from grids import importing
from grids.models import (
    Building,
    BuildingUnit,
    CarePlan,
    Facility,
    Grid,
    GridStaff,
    Household,
    HouseholdClaim,
    HouseholdClaimEvent,
    Notice,
    NoticeRevision,
    Resident,
    ResidentTag,
)


class GridStaffInline(admin.TabularInline):
    model = GridStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community"]
    list_filter = ["kind", "community"]
    list_select_related = ["community"]
    search_fields = ["name"]
    filter_horizontal = ["overlay_buildings"]
    inlines = [GridStaffInline]


class UnitInline(admin.TabularInline):
    model = BuildingUnit
    extra = 0


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "number", "community", "grid", "floors"]
    list_filter = ["community", "grid"]
    list_select_related = ["community", "grid"]
    search_fields = ["name", "number"]
    inlines = [UnitInline]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["__str__", "room"]
    list_select_related = ["unit__building"]
    list_filter = ["unit__building__community"]
    search_fields = ["room"]
    raw_id_fields = ["unit"]


class TagInline(admin.TabularInline):
    model = ResidentTag
    extra = 0


@admin.register(CarePlan)
class CarePlanAdmin(admin.ModelAdmin):
    list_display = ["community", "tag", "interval_days"]
    list_filter = ["community", "tag"]


class ImportForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.all())
    file = forms.FileField(label=_("Excel file (.xlsx)"))


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    # Health notes are for the resident's grid and secretary, not the system admin.
    exclude = ["health_note"]
    change_list_template = "admin/grids/resident/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="grids_resident_import",
            ),
            path(
                "import/template.xlsx",
                self.admin_site.admin_view(self.template_view),
                name="grids_resident_import_template",
            ),
        ]
        return extra + super().get_urls()

    def template_view(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(
            importing.template_workbook(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="residents-template.xlsx"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = importing.import_residents(
                community=form.cleaned_data["community"], file=form.cleaned_data["file"]
            )
            if result.ok:
                self.message_user(
                    request,
                    _("Imported: %(h)d new households, %(c)d new residents, %(u)d updated.")
                    % {
                        "h": result.households_created,
                        "c": result.residents_created,
                        "u": result.residents_updated,
                    },
                    messages.SUCCESS,
                )
                return redirect("admin:grids_resident_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import residents from Excel"),
            "form": form,
            "result": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/grids/resident/import.html", context)

    list_display = ["name", "household", "gender", "birth_year"]
    list_select_related = ["household__unit__building"]
    list_filter = ["household__unit__building__community", "tags__tag"]
    search_fields = ["name", "phone"]
    raw_id_fields = ["household", "user", "confirmed_by"]
    inlines = [TagInline]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "count", "price_per_kwh", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["unit__building"]
    raw_id_fields = ["unit"]


class ReadOnlyInline(admin.TabularInline):
    """A history shown under its row: never added to or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ClaimEventInline(ReadOnlyInline):
    model = HouseholdClaimEvent
    fields = ("at", "actor", "action", "from_status", "to_status", "reason")
    readonly_fields = ("at", "actor", "action", "from_status", "to_status", "reason")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that move only through their services: the admin shows them, never writes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(HouseholdClaim)
class HouseholdClaimAdmin(ReadOnlyAdmin):
    """Read-only: claims move only through grids.services.claim_move (the grid's pages)."""

    list_display = ["name", "household", "claimant", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["name", "claimant__phone"]
    list_select_related = ["household__unit__building", "claimant", "decided_by"]
    inlines = [ClaimEventInline]


class NoticeRevisionInline(ReadOnlyInline):
    model = NoticeRevision
    fields = ("edited_at", "edited_by", "title", "starts_at", "ends_at")
    readonly_fields = fields


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """Read-only: notices are published, edited and withdrawn through grids.services
    (the notices pages); a published notice is never deleted."""

    list_display = ["title", "community", "author", "status", "pinned", "starts_at", "ends_at"]
    list_filter = ["status", "community"]
    search_fields = ["title"]
    list_select_related = ["community", "author"]
    inlines = [NoticeRevisionInline]
