from django.contrib import admin

from livechat.models import ChatSession


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    """Chats for back office: read-only (the conversation is the inquiry's thread; contact shown masked)."""

    list_display = ("inquiry", "customer_name", "mobile_masked", "topic", "state", "claimed_by", "started_at", "rating")
    list_filter = ("state", "topic", "rating")
    search_fields = ("inquiry__reference", "customer_name")
    date_hierarchy = "started_at"
    list_select_related = ("inquiry", "claimed_by")
    fields = (
        "inquiry",
        "customer_name",
        "mobile_masked",
        "mobile_confirmed_at",
        "topic",
        "language",
        "state",
        "claimed_by",
        "started_at",
        "customer_left_at",
        "last_customer_activity",
        "ended_at",
        "rating",
        "rated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
