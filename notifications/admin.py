from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks_db.models import DBTaskResult

from homecure.base.admin_paginator import EstimatedCountPaginator
from notifications.models import EmailPreference, Notification, SentReminder
from notifications.services import Audience, audience_users, notification_announce


class AnnouncementForm(forms.Form):
    audience = forms.ChoiceField(label=gettext_lazy("Send to"), widget=forms.RadioSelect)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    message = forms.CharField(label=gettext_lazy("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each choice says how many active accounts it reaches, so nobody tells everyone by mistake.
        self.fields["audience"].choices = [(audience.value, self._label(audience)) for audience in Audience]

    @staticmethod
    def _label(audience):
        count = audience_users(audience).count()
        text = ngettext("%(audience)s (%(count)s person)", "%(audience)s (%(count)s people)", count)
        return text % {"audience": audience.label, "count": number_format(count, force_grouping=True)}


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "notification_type", "priority", "is_read", "created_at")
    list_select_related = ("user",)
    # A busy platform keeps millions of notifications: the list reads the newest first along the
    # primary key, filters dates without listing the years present (a scan of the whole table),
    # and counts the filtered rows only (the unfiltered list takes the planner's estimate).
    list_filter = ("notification_type", "priority", "is_read", "created_at")
    search_fields = ("title", "message", "user__email", "user__first_name", "user__last_name")
    ordering = ("-pk",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
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

    def get_urls(self):
        return [
            path(
                "announce/",
                self.admin_site.admin_view(self.announce_view),
                name="notifications_notification_announce",
            ),
            *super().get_urls(),
        ]

    def announce_view(self, request):
        """Tell all patients, all technicians or everyone: one notification each, and an e-mail."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AnnouncementForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = notification_announce(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                text = ngettext(
                    "Announcement sent to %(count)d person.", "Announcement sent to %(count)d people.", count
                )
                self.message_user(request, text % {"count": count}, messages.SUCCESS)
                return redirect("admin:notifications_notification_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Send an announcement"),
            "form": form,
        }
        return TemplateResponse(request, "admin/notifications/notification/announce.html", context)


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    """Who turned which e-mails off: support can answer "why do I get no e-mail?". Users set these themselves."""

    list_display = ("user", "notification_type", "email_enabled")
    list_select_related = ("user",)
    list_filter = ("notification_type", "email_enabled")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    # A row per user and kind of e-mail turned off: grows with the users.
    show_full_result_count = False
    paginator = EstimatedCountPaginator

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
    # A row or two per booking.
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The queue of background tasks (notification e-mails) is plumbing, not a back-office screen:
# a send that still fails after its retries is logged with the notification it belongs to, and the
# notification itself stays visible in the recipient's inbox and above.
admin.site.unregister(DBTaskResult)
