from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "notification_type", "priority", "is_read", "created_at")
    list_select_related = ("user",)
    list_filter = ("notification_type", "priority", "is_read")
    search_fields = ("title", "message", "user__email", "user__first_name", "user__last_name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("user",)
    fields = (
        "user",
        "title",
        "message",
        "notification_type",
        "priority",
        "action_url",
        "related_entity_type",
        "related_entity_id",
        "is_read",
        "read_at",
        "created_at",
    )
    # Whether it was read is the recipient's doing.
    readonly_fields = ("is_read", "read_at", "created_at")
