"""The outbox in the admin: every SMS and call, read only, numbers masked and one-time links hidden."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.one_time_links import mask_one_time_links
from aftersales.permissions import BACK_OFFICE, has_role
from messaging.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "purpose",
        "to_masked",
        "status",
        "contact_policy",
        "price",
        "price_unit",
        "provider",
    ]
    list_filter = ["channel", "purpose", "proactive", "status", "hold_reason", "provider"]
    date_hierarchy = "created_at"
    search_fields = ["provider_id"]
    # The full number stays encrypted and hidden; only the masked one is shown. The text is shown with its
    # one-time links (survey links) masked: staff must not open or answer a customer's survey.
    exclude = ["to_number", "body", "template_params"]
    readonly_fields = [
        f.name for f in OutboundMessage._meta.fields if f.name not in ("to_number", "body", "template_params")
    ] + ["body_masked", "contact_policy"]

    def has_view_permission(self, request, obj=None):
        # Back office looks at the outbox (read only). aftersales.permissions.BACK_OFFICE_VIEW_MODELS still names
        # the model's old label (reminders.outboundmessage) on a fresh database; the role check covers both.
        return has_role(request.user, BACK_OFFICE) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return has_role(request.user, BACK_OFFICE) or super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("text"))
    def body_masked(self, obj) -> str:
        return mask_one_time_links(obj.body)

    @admin.display(description=_("contact policy"))
    def contact_policy(self, obj) -> str:
        """Whether the contact policy applied: exempt (a reply), held (why, until when), or applied."""
        if not obj.proactive:
            return str(_("Exempt: a reply to the customer's own message"))
        if obj.status == OutboundMessage.Status.HELD and obj.not_before:
            return str(_("Held (%(reason)s) until %(time)s")) % {
                "reason": obj.get_hold_reason_display(),
                "time": timezone.localtime(obj.not_before).strftime("%Y-%m-%d %H:%M"),
            }
        if obj.hold_reason == OutboundMessage.HoldReason.OPTED_OUT:
            return str(_("Not sent: %(reason)s")) % {"reason": obj.get_hold_reason_display()}
        if obj.hold_reason:
            return str(_("Applied (was held: %(reason)s)")) % {"reason": obj.get_hold_reason_display()}
        return str(_("Applied"))
