from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from notifications.models import EmailPreference, Notification, SentReminder


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


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    """Who turned which e-mails off: support can answer "why do I get no e-mail?". Users set these themselves."""

    list_display = ("user", "notification_type", "email_enabled")
    list_select_related = ("user",)
    list_filter = ("notification_type", "email_enabled")
    search_fields = ("user__email", "user__first_name", "user__last_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    """The visit reminders that went out, written by `send_visit_reminders` only."""

    list_display = ("booking", "kind", "user", "sent_at")
    list_select_related = ("booking__service", "user")
    list_filter = ("kind",)
    search_fields = ("booking__reference", "user__email")
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The queue of background tasks (notification e-mails) is plumbing, not a back-office screen:
# a send that still fails after its retries is logged with the notification it belongs to, and the
# notification itself stays visible in the recipient's inbox and above.
admin.site.unregister(DBTaskResult)
