"""The outbox in the admin: every SMS and call, read only, numbers masked and one-time links hidden."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.one_time_links import mask_one_time_links
from aftersales.permissions import BACK_OFFICE, has_role
from messaging.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "purpose", "to_masked", "status", "price", "price_unit", "provider"]
    list_filter = ["channel", "purpose", "status", "provider"]
    date_hierarchy = "created_at"
    search_fields = ["provider_id"]
    # The full number stays encrypted and hidden; only the masked one is shown. The text is shown with its
    # one-time links (survey links) masked: staff must not open or answer a customer's survey.
    exclude = ["to_number", "body"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields if f.name not in ("to_number", "body")] + [
        "body_masked"
    ]

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
