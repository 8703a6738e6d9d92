from __future__ import annotations

from django.contrib import admin

from grids.models import (
    Building,
    BuildingUnit,
    CarePlan,
    Facility,
    Grid,
    GridStaff,
    Household,
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


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    # Health notes are for the resident's grid and secretary, not the system admin.
    exclude = ["health_note"]
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
