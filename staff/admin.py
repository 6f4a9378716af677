from django.contrib import admin

from staff.models import Department, StaffProfile, Team
from staff.services import staff_role_sync


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "escalation_hours")
    search_fields = ("code", "name")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "supervisor")
    list_filter = ("department",)
    search_fields = ("name",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "department", "team", "on_duty", "language")
    list_filter = ("role", "department", "team", "on_duty")
    search_fields = ("user__username", "user__first_name", "user__last_name", "work_phone")
    list_select_related = ("user", "department", "team")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        staff_role_sync(profile=obj)
