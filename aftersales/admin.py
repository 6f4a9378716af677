from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales import admin_params, admin_users  # noqa: F401  (admin_users: the user and group admin)
from aftersales.models import AuditEntry, Heartbeat, Notification

admin_params.install()  # hostile date-hierarchy parameters give the admin's "invalid filter" page, never a 500

admin.site.site_header = _("After-sales service portal — back office")
admin.site.site_title = _("After-sales back office")
admin.site.index_title = _("Products, fee rules, reminder policies, staff and assets")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes the audit log, not even a superuser."""

    list_display = ("at", "actor_name", "action", "object_type", "object_id", "object_repr", "ip_address")
    list_filter = ("action", "object_type", "at")
    search_fields = ("actor_name", "object_id", "object_repr", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "level", "message", "read_at")
    list_filter = ("level", "read_at")
    search_fields = ("message", "recipient__username")
    raw_id_fields = ("recipient",)


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_seen")
