from django.contrib import admin

from inquiries.models import CannedReply, Inquiry, InquiryAttachment, InquiryMessage


class InquiryMessageInline(admin.TabularInline):
    model = InquiryMessage
    extra = 0
    fields = ("created_at", "kind", "channel", "author", "body", "reached_customer")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "channel",
        "status",
        "category",
        "received_at",
        "first_response_due",
        "first_responded_at",
        "sla_met",
        "assigned_to",
    )
    list_filter = ("status", "channel", "sla_met", "category", "flagged")
    search_fields = ("reference", "subject")
    date_hierarchy = "received_at"
    raw_id_fields = ("customer", "assigned_to", "first_responded_by", "resolved_by")
    list_select_related = ("assigned_to",)
    # The SLA record and contact hashes are written by the services only.
    readonly_fields = (
        "reference",
        "contact_masked",
        "received_at",
        "first_response_due",
        "first_responded_at",
        "first_responded_by",
        "sla_met",
        "created_at",
    )
    exclude = ("contact_phone", "contact_email")
    inlines = [InquiryMessageInline]


@admin.register(InquiryMessage)
class InquiryMessageAdmin(admin.ModelAdmin):
    list_display = ("inquiry", "kind", "channel", "author", "created_at", "reached_customer")
    list_filter = ("kind", "channel", "reached_customer")
    search_fields = ("inquiry__reference",)
    raw_id_fields = ("inquiry", "author", "outbound_message")
    list_select_related = ("inquiry", "author")


@admin.register(InquiryAttachment)
class InquiryAttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "content_type", "size", "message", "created_at")
    raw_id_fields = ("message",)
    search_fields = ("original_name",)


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "category", "active", "position")
    list_filter = ("language", "category", "active")
    list_editable = ("active", "position")
    search_fields = ("title", "body")
