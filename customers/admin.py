"""Back-office admin for customers: masked values, exact search on mobile/ID through the keyed hash,
and creation/edits that go through the services (normalised, hashed, audit-logged)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers import services
from customers.crypto import pii_hash
from customers.forms import CustomerForm
from customers.models import ConsentRecord, Customer
from customers.selectors import ID_LIKE, LIST_FIELDS
from customers.validators import normalize_mainland_mobile, normalize_resident_id


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    can_delete = False
    fields = ("recorded_at", "purpose", "granted", "channel", "note", "recorded_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # consent is recorded on the customer page, through the service (audit-logged)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = (
        "customer_number",
        "name",
        "masked_mobile",
        "masked_national_id",
        "gender",
        "preferred_language",
        "sms_opt_out",
        "voice_opt_out",
        "created_at",
    )
    list_display_links = ("customer_number", "name")
    list_filter = ("preferred_language", "sms_opt_out", "voice_opt_out", "gender", "created_at")
    search_fields = ("customer_number", "name")
    search_help_text = _("Name, customer number, or a full mobile or ID number (exact match).")
    readonly_fields = ("customer_number", "date_of_birth", "gender", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("customer_number", "name", "national_id", "date_of_birth", "gender")}),
        (_("Contact"), {"fields": ("mobile", "email", "address")}),
        (_("Repayment card"), {"fields": ("bank_card",)}),
        (_("Contact preferences"), {"fields": ("preferred_language", "sms_opt_out", "voice_opt_out")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [ConsentInline]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).only(*LIST_FIELDS, "gender", "date_of_birth", "updated_at")

    def get_object(self, request, object_id, from_field=None):
        # The change form needs every column (the list only fetches a few).
        try:
            return Customer.objects.get(pk=object_id)
        except (Customer.DoesNotExist, ValueError, ValidationError):
            return None

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return obj.mobile_masked

    @admin.display(description=_("national ID number"))
    def masked_national_id(self, obj):
        return obj.national_id_masked

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        compact = "".join(term.split()).replace("-", "")
        if ID_LIKE.match(compact):
            return queryset.filter(national_id_hash=pii_hash(normalize_resident_id(compact))), False
        try:
            mobile = normalize_mainland_mobile(term)
        except ValidationError:
            mobile = None
        if mobile:
            return queryset.filter(mobile_hash=pii_hash(mobile)), False
        return super().get_search_results(request, queryset, search_term)

    def save_form(self, request, form, change):
        fields = form.service_fields()
        if change:
            return services.customer_update(customer=form.instance, actor=request.user, request=request, **fields)
        return services.customer_create(actor=request.user, request=request, **fields)

    def save_model(self, request, obj, form, change):
        """Saved by save_form through the service."""

    def save_related(self, request, form, formsets, change):
        """No many-to-many fields; the consent inline is read-only, so saving it changes nothing."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None):
        return False  # customers are kept with their loans and audit history


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Read-only: consent is recorded on the customer page, through the service (audit-logged)."""

    list_display = ("recorded_at", "customer", "purpose", "granted", "channel", "recorded_by")
    list_filter = ("purpose", "granted", "channel", "recorded_at")
    search_fields = ("customer__customer_number", "customer__name", "note")
    list_select_related = ("customer", "recorded_by")
    date_hierarchy = "recorded_at"
    raw_id_fields = ("customer", "recorded_by")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer(
                "customer__national_id",
                "customer__mobile",
                "customer__email",
                "customer__address",
                "customer__bank_card",
            )
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
