from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loans.api import register_product_admin_inline
from reminders.models import (
    ContactDataTask,
    MessageTemplate,
    ProductReminderPolicy,
    Reminder,
    ReminderPolicy,
    ReminderStep,
)


class ProductReminderPolicyInline(admin.StackedInline):
    """The product's reminder policy, on the loan product's admin page."""

    model = ProductReminderPolicy
    extra = 0
    max_num = 1
    fields = ["policy"]
    verbose_name = _("reminder policy")
    verbose_name_plural = _("reminder policy")


register_product_admin_inline(ProductReminderPolicyInline)


@admin.register(ProductReminderPolicy)
class ProductReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["product", "policy"]
    list_filter = ["policy"]
    search_fields = ["product__code", "product__name"]
    list_select_related = ["product", "policy"]


class ReminderStepInline(admin.TabularInline):
    model = ReminderStep
    extra = 0
    fields = ["offset_days", "channel", "send_time", "overdue_only"]
    show_change_link = True


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "step_list"]
    list_filter = ["active"]
    search_fields = ["name"]
    inlines = [ReminderStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description=_("steps"))
    def step_list(self, obj):
        return ", ".join(str(step) for step in obj.steps.all())


class MessageTemplateInline(admin.StackedInline):
    model = MessageTemplate
    extra = 0
    fields = ["language", "body", "provider_template_code"]


@admin.register(ReminderStep)
class ReminderStepAdmin(admin.ModelAdmin):
    list_display = ["__str__", "policy", "offset_days", "channel", "send_time"]
    list_filter = ["policy", "channel"]
    inlines = [MessageTemplateInline]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["step", "language", "provider_template_code", "body"]
    list_filter = ["language", "step__policy"]
    search_fields = ["body", "provider_template_code"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["id", "planned_for", "channel", "status", "skip_reason", "hold_reason", "attempts", "loan"]
    list_filter = ["status", "channel", "skip_reason", "hold_reason"]
    date_hierarchy = "planned_for"
    list_select_related = ["loan"]
    raw_id_fields = ["installment", "loan", "customer", "outbound_message", "fallback_for", "requested_by"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False  # planned by the planner or sent by hand from the loan page


@admin.register(ContactDataTask)
class ContactDataTaskAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "reason", "number_masked", "status", "resolved_by"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["customer", "reminder", "resolved_by"]
    readonly_fields = ["created_at", "resolved_at"]
