from django.contrib import admin

from complaints.models import (
    CalendarDay,
    CallbackVisit,
    Complaint,
    ContingencyPlan,
    Drill,
    ImprovementAction,
    Incident,
    IncidentEntry,
    LetterTemplate,
    RootCause,
    Suggestion,
    SuggestionCategory,
)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active", "order")
    list_editable = ("active", "order")
    search_fields = ("name", "code")


@admin.register(SuggestionCategory)
class SuggestionCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active")
    list_editable = ("active",)


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "language", "subject", "active")
    list_filter = ("kind", "language", "active")


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only here: every change goes through the portal so deadlines and the audit log stay right."""

    list_display = ("reference", "status", "category", "source", "severity", "received_at", "decision_due", "on_time")
    list_filter = ("status", "category", "source", "severity", "on_time")
    search_fields = ("reference", "summary")
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "loan", "product", "source_inquiry")
    exclude = ("contact_phone", "contact_email")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IncidentEntryInline(admin.TabularInline):
    model = IncidentEntry
    extra = 1
    fields = ("at", "text", "author")
    raw_id_fields = ("author",)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("reference", "kind", "title", "severity", "status", "owner", "opened_at", "resolved_at")
    list_filter = ("kind", "status", "severity")
    search_fields = ("reference", "title")
    raw_id_fields = ("owner", "created_by")
    filter_horizontal = ()
    exclude = ("complaints",)
    inlines = [IncidentEntryInline]


@admin.register(ContingencyPlan)
class ContingencyPlanAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "version", "approved_on", "next_review_on", "owner")
    list_filter = ("kind",)
    exclude = ("document",)
    raw_id_fields = ("owner",)


@admin.register(Drill)
class DrillAdmin(admin.ModelAdmin):
    list_display = ("held_on", "scenario", "plan")
    list_filter = ("plan",)
    date_hierarchy = "held_on"
    raw_id_fields = ("recorded_by",)


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ("reference", "category", "channel", "status", "received_at")
    list_filter = ("category", "status", "channel")
    search_fields = ("reference", "text")
    raw_id_fields = ("customer", "recorded_by")


@admin.register(ImprovementAction)
class ImprovementActionAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "status", "due_date", "completed_at")
    list_filter = ("status",)
    raw_id_fields = ("owner",)
    filter_horizontal = ("suggestions",)
    exclude = ("complaints",)


@admin.register(CallbackVisit)
class CallbackVisitAdmin(admin.ModelAdmin):
    list_display = ("complaint", "scheduled_for", "assigned_to", "completed_at", "customer_satisfied")
    list_filter = ("customer_satisfied",)
    raw_id_fields = ("complaint", "assigned_to")
