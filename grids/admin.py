from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from community.admin import PortalAdmin, PortalTabularInline
from community.errors import DomainError
from community.models import Community, User
from grids import importing
from grids.models import (
    Building,
    BuildingUnit,
    CarePlan,
    CareTag,
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
from grids.selectors import HEALTH_TAGS
from grids.services import resident_move_out


class GridStaffInline(PortalTabularInline):
    model = GridStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Grid)
class GridAdmin(PortalAdmin):
    list_display = ["name", "kind", "community"]
    list_filter = ["kind", "community"]
    list_select_related = ["community"]
    search_fields = ["name"]
    filter_horizontal = ["overlay_buildings"]
    inlines = [GridStaffInline]


class UnitInline(PortalTabularInline):
    model = BuildingUnit
    extra = 0


@admin.register(Building)
class BuildingAdmin(PortalAdmin):
    list_display = ["__str__", "number", "community", "grid", "floors"]
    list_filter = ["community", "grid"]
    list_select_related = ["community", "grid"]
    search_fields = ["name", "number"]
    inlines = [UnitInline]


@admin.register(Household)
class HouseholdAdmin(PortalAdmin):
    list_display = ["__str__", "room"]
    list_select_related = ["unit__building"]
    list_filter = ["unit__building__community"]
    search_fields = ["room"]
    raw_id_fields = ["unit"]


# Care tags that are not health data: the admin shows, edits and filters by these
# only (a chronic illness is for the resident's grid and secretary, like the notes).
OPEN_TAGS = [(value, label) for value, label in CareTag.choices if value not in HEALTH_TAGS]


class TagInline(PortalTabularInline):
    model = ResidentTag
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResidentTag]:
        return super().get_queryset(request).exclude(tag__in=HEALTH_TAGS)

    def formfield_for_choice_field(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.TypedChoiceField:
        if db_field.name == "tag":
            kwargs["choices"] = [("", "---------"), *OPEN_TAGS]
        return cast(
            forms.TypedChoiceField, super().formfield_for_choice_field(db_field, request, **kwargs)
        )


class CareTagFilter(admin.SimpleListFilter):
    title = _("care tag")
    parameter_name = "care_tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in OPEN_TAGS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in dict(OPEN_TAGS):
            return queryset.filter(tags__tag=self.value())
        return queryset


@admin.register(CarePlan)
class CarePlanAdmin(PortalAdmin):
    list_display = ["community", "tag", "interval_days"]
    list_filter = ["community", "tag"]


class ImportForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.all())
    file = forms.FileField(label=_("Excel file (.xlsx)"))


@admin.register(Resident)
class ResidentAdmin(PortalAdmin):
    # Health notes and health tags are for the resident's grid and secretary, not
    # the system admin: PortalAdmin leaves them out (Resident.sensitive_fields).
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

    list_display = ["__str__", "household", "gender", "birth_year", "moved_out_on"]
    list_select_related = ["household__unit__building"]
    list_filter = ["household__unit__building__community", CareTagFilter]
    search_fields = ["name", "phone"]
    raw_id_fields = ["household", "user", "confirmed_by"]
    readonly_fields = ["moved_out_on"]
    inlines = [TagInline]
    # Residents are never deleted (their requests and visits keep the link): a
    # resident who leaves is marked moved out and anonymised instead.
    actions = ["move_out"]

    @admin.action(description=_("Mark as moved out and anonymise"), permissions=["change"])
    def move_out(
        self, request: HttpRequest, queryset: QuerySet[Resident]
    ) -> TemplateResponse | None:
        residents = queryset.filter(moved_out_on__isnull=True).select_related(
            "household__unit__building"
        )
        if request.POST.get("confirm") != "yes":  # erasing cannot be undone: ask first
            context = {
                **self.admin_site.each_context(request),
                "title": _("Mark as moved out and anonymise"),
                "residents": residents,
                "selected_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/grids/resident/move_out.html", context)
        moved = 0
        for resident in residents:
            try:
                resident_move_out(actor=cast(User, request.user), resident=resident)
            except DomainError as exc:
                self.message_user(request, f"{resident}: {exc.message}", messages.ERROR)
                continue
            # The admin's history of the row (Django's LogEntry) is its audit trail.
            self.log_change(request, resident, _("Moved out and anonymised."))
            moved += 1
        self.message_user(
            request,
            _("%(n)d residents marked moved out and anonymised.") % {"n": moved},
            messages.SUCCESS,
        )
        return None


@admin.register(Facility)
class FacilityAdmin(PortalAdmin):
    list_display = ["__str__", "kind", "count", "price_per_kwh", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["unit__building"]
    raw_id_fields = ["unit"]


class ReadOnlyInline(PortalTabularInline):
    """A history shown under its row: never added to or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ClaimEventInline(ReadOnlyInline):
    model = HouseholdClaimEvent
    fields = ("at", "actor", "action", "from_status", "to_status", "reason")
    readonly_fields = ("at", "actor", "action", "from_status", "to_status", "reason")


class ReadOnlyAdmin(PortalAdmin):
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
