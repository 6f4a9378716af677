from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.admin_guard import may_change_privileges
from aftersales.one_time_links import mask_one_time_links
from org.models import Department, StaffProfile, Team
from staff.models import (
    Asset,
    AssetAssignment,
    AssetMaintenance,
    PerformanceReview,
    QaReview,
    Survey,
    TrainingAttendance,
    TrainingSession,
)
from staff.services import asset_assignment_track, asset_retire, staff_role_sync
from staff.surveys import survey_url


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
    list_display = ("user", "role", "department", "team", "on_duty", "infosec_training_due", "language")
    list_filter = ("role", "department", "team", "on_duty")
    search_fields = ("user__username", "user__first_name", "user__last_name", "work_phone")
    list_select_related = ("user", "department", "team")
    raw_id_fields = ("user",)

    # The role is the user's group: only an admin superuser with a second factor gives it (or a new profile).
    def has_add_permission(self, request):
        return may_change_privileges(request) and super().has_add_permission(request)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if may_change_privileges(request) else (*readonly, "user", "role")

    def save_model(self, request, obj, form, change):
        if change and not may_change_privileges(request):
            stored = StaffProfile.objects.get(pk=obj.pk)
            obj.user_id, obj.role = stored.user_id, stored.role
        super().save_model(request, obj, form, change)
        staff_role_sync(profile=obj)


# ---- training, scoring, QA and surveys (read mostly; the portal pages and services write) ------


class TrainingAttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    raw_id_fields = ("staff",)
    extra = 0


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ("held_on", "title", "topic", "hours", "trainer")
    list_filter = ("topic",)
    date_hierarchy = "held_on"
    search_fields = ("title", "trainer")
    inlines = [TrainingAttendanceInline]


@admin.register(PerformanceReview)
class PerformanceReviewAdmin(admin.ModelAdmin):
    """Reviews change only through the portal's services; signed-off reviews are locked."""

    list_display = ("staff", "month", "score", "grade", "pay_coefficient", "status", "signed_by")
    list_filter = ("status", "grade", "month")
    search_fields = ("staff__username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QaReview)
class QaReviewAdmin(admin.ModelAdmin):
    list_display = ("week", "kind", "reference", "agent", "reviewer", "score", "reviewed_at")
    list_filter = ("kind", "week")
    search_fields = ("reference", "agent__username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "reference", "staff", "status", "rating", "answered_at")
    list_filter = ("kind", "status", "rating")
    search_fields = ("reference",)
    exclude = ("token",)  # the link is a secret of the customer's: shown masked only
    readonly_fields = ("link_masked",)

    @admin.display(description=_("link"))
    def link_masked(self, obj) -> str:
        return mask_one_time_links(survey_url(obj))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---- office assets -----------------------------------------------------------------------------


class AssetAssignmentInline(admin.TabularInline):
    model = AssetAssignment
    raw_id_fields = ("staff",)
    extra = 0


class AssetMaintenanceInline(admin.TabularInline):
    model = AssetMaintenance
    extra = 0


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("asset_tag", "kind", "description", "status", "assigned_to", "assigned_on", "retired_on")
    list_filter = ("kind", "status")
    search_fields = ("asset_tag", "description", "serial_number", "assigned_to__username")
    raw_id_fields = ("assigned_to",)
    inlines = [AssetAssignmentInline, AssetMaintenanceInline]
    actions = ["retire"]

    @admin.action(description=_("Retire the selected assets (unassigns them)"))
    def retire(self, request, queryset):
        today = timezone.localdate()
        count = 0
        for asset in queryset.exclude(status=Asset.Status.RETIRED):
            asset_retire(asset=asset, on=today, reason=_("Retired from the admin list"), actor=request.user)
            count += 1
        self.message_user(request, _("%(count)s assets retired.") % {"count": count})

    def save_model(self, request, obj, form, change):
        previous = Asset.objects.filter(pk=obj.pk).values_list("assigned_to_id", flat=True).first() if change else None
        if obj.status == Asset.Status.RETIRED:
            obj.assigned_to = None
            obj.retired_on = obj.retired_on or timezone.localdate()
        elif obj.assigned_to_id and not obj.assigned_on:
            obj.assigned_on = timezone.localdate()
        if obj.assigned_to_id and obj.status == Asset.Status.IN_STOCK:
            obj.status = Asset.Status.IN_USE
        super().save_model(request, obj, form, change)
        if previous != obj.assigned_to_id:
            asset_assignment_track(asset=obj, previous_staff_id=previous)
