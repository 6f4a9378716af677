"""Back-office admin: products are edited here; contracts and money records are read-only (services write them)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loans.api import product_admin_inlines
from loans.models import (
    Allocation,
    ContractClause,
    FeeCharge,
    FeeWaiver,
    Installment,
    Loan,
    LoanReview,
    Product,
    Repayment,
    RestructurePlan,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records change only through loans.services (allocation, audit log); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "method",
        "min_rate",
        "max_rate",
        "min_term",
        "max_term",
        "grace_days",
        "late_fee",
        "active",
    )
    list_filter = ("method", "active", "day_count")
    search_fields = ("code", "name")
    fieldsets = (
        (None, {"fields": ("code", "name", "method", "active")}),
        (
            _("Ranges"),
            {"fields": (("min_rate", "max_rate"), ("min_term", "max_term"), ("min_principal", "max_principal"))},
        ),
        (
            _("Fee terms (copied onto each contract when signed)"),
            {
                "fields": (
                    "grace_days",
                    "day_count",
                    "penalty_markup",
                    "late_fee",
                    "early_repayment_fee_rate",
                    "early_repayment_fee_waived_after_months",
                    "upfront_fee_rate",
                )
            },
        ),
    )

    def get_inlines(self, request, obj):
        """Inlines other apps register (`loans.api.register_product_admin_inline`), e.g. the reminder policy."""
        return [*super().get_inlines(request, obj), *product_admin_inlines]


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0
    can_delete = False
    fields = (
        "number",
        "due_date",
        "principal_due",
        "interest_due",
        "fees_due",
        "penalty_due",
        "principal_paid",
        "interest_paid",
        "fees_paid",
        "penalty_paid",
        "status",
        "is_current",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ClauseInline(admin.TabularInline):
    model = ContractClause
    extra = 0
    can_delete = False
    readonly_fields = ("reference", "kind", "amount", "rate", "waived_after_months")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = (
        "contract_number",
        "customer",
        "product",
        "principal",
        "annual_rate",
        "term_months",
        "status",
        "dpd",
        "bucket",
        "classification",
        "next_due_date",
    )
    list_filter = ("status", "bucket", "product", "method", "classification", "disbursement_date")
    search_fields = ("contract_number", "customer__customer_number", "customer__name")
    list_select_related = ("customer", "product")
    raw_id_fields = ("customer",)
    inlines = [ClauseInline, InstallmentInline]
    date_hierarchy = "disbursement_date"


@admin.register(Installment)
class InstallmentAdmin(ReadOnlyAdmin):
    list_display = (
        "loan",
        "number",
        "due_date",
        "principal_due",
        "interest_due",
        "fees_due",
        "penalty_due",
        "status",
        "is_current",
    )
    list_filter = ("status", "is_current", "due_date")
    search_fields = ("loan__contract_number",)
    list_select_related = ("loan",)


@admin.register(ContractClause)
class ContractClauseAdmin(ReadOnlyAdmin):
    list_display = ("loan", "reference", "kind", "amount", "rate")
    list_filter = ("kind",)
    search_fields = ("loan__contract_number",)


@admin.register(FeeCharge)
class FeeChargeAdmin(ReadOnlyAdmin):
    list_display = ("loan", "installment", "clause", "amount", "waived", "charged_on")
    list_filter = ("clause__kind", "charged_on")
    search_fields = ("loan__contract_number",)
    list_select_related = ("loan", "installment", "clause")


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "loan", "amount", "received_at", "channel", "kind", "status", "posted_by")
    list_filter = ("status", "channel", "kind", "received_at")
    search_fields = ("external_id", "loan__contract_number")
    list_select_related = ("loan", "posted_by")
    date_hierarchy = "received_at"


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("repayment", "loan", "product", "installment", "income_type", "amount", "booked_at", "is_reversal")
    list_filter = ("income_type", "is_reversal", "product", "booked_at")
    search_fields = ("repayment__external_id", "loan__contract_number")
    list_select_related = ("repayment", "loan", "product", "installment")


@admin.register(FeeWaiver)
class FeeWaiverAdmin(ReadOnlyAdmin):
    list_display = ("loan", "amount", "status", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("status", "requested_at")
    search_fields = ("loan__contract_number",)


@admin.register(RestructurePlan)
class RestructurePlanAdmin(ReadOnlyAdmin):
    list_display = (
        "loan",
        "status",
        "extension_months",
        "holiday_installments",
        "new_rate",
        "waive_penalty",
        "proposed_by",
        "proposed_at",
    )
    list_filter = ("status", "waive_penalty", "proposed_at")
    search_fields = ("loan__contract_number",)


@admin.register(LoanReview)
class LoanReviewAdmin(ReadOnlyAdmin):
    list_display = (
        "loan",
        "classification",
        "funds_use",
        "financial_condition",
        "contact_outcome",
        "reviewed_by",
        "reviewed_at",
    )
    list_filter = ("classification", "funds_use", "financial_condition", "contact_outcome", "reviewed_at")
    search_fields = ("loan__contract_number",)
