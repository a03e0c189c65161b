from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _


class NotificationType(models.TextChoices):
    BOOKING = "booking", _("Bookings")
    PAYMENT = "payment", _("Payments")
    RECORD = "record", _("Health records")
    REMINDER = "reminder", _("Visit reminders")
    ACCOUNT = "account", _("Account")
    SYSTEM = "system", _("System")
    ANNOUNCEMENT = "announcement", _("Announcements")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), max_length=2000)
    notification_type = models.CharField(
        _("type"), max_length=20, choices=NotificationType.choices, default=NotificationType.SYSTEM
    )
    related_entity_type = models.CharField(_("about (type)"), max_length=50, blank=True)
    related_entity_id = models.CharField(_("about (id)"), max_length=50, blank=True)
    is_read = models.BooleanField(_("read"), default=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    action_url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["is_read", "-created_at"]
        indexes = [
            models.Index(fields=["user", "is_read", "-created_at"], name="notif_inbox_idx"),
            models.Index(fields=["related_entity_type", "related_entity_id"], name="notif_entity_idx"),
            # The newest of a user's notifications, for the stamp of their inbox (`inbox_sources`).
            models.Index(fields=["user", "-id"], name="notif_user_newest_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def safe_action_url(self) -> str:
        """`action_url` if it is a path on this site, else "": a link typed into the admin must not
        send a patient to another site from a HomeCure notification or e-mail."""
        url = self.action_url.strip()
        if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
            return url
        return ""


class EmailPreference(models.Model):
    """A user's choice to get (or not) e-mail for one kind of notification.

    No row means e-mail is on: only the kinds a user changed are stored. In-app notifications are
    always created whatever this says.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences", verbose_name=_("user")
    )
    notification_type = models.CharField(_("kind"), max_length=20, choices=NotificationType.choices)
    email_enabled = models.BooleanField(_("send e-mail"), default=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")
        ordering = ["user", "notification_type"]
        constraints = [
            models.UniqueConstraint(fields=["user", "notification_type"], name="email_pref_one_per_kind"),
        ]

    def __str__(self):
        state = _("on") if self.email_enabled else _("off")
        return f"{self.user} · {self.get_notification_type_display()}: {state}"


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "24h", _("24 hours before")
    SOON = "2h", _("2 hours before")


class SentReminder(models.Model):
    """A visit reminder that went out: the unique row keeps every reminder to one per visit, kind and person,
    however often (or however concurrently) the reminder command runs."""

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="sent_reminders", verbose_name=_("visit")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=5, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind", "user"], name="reminder_once_per_visit_kind_user"),
        ]

    def __str__(self):
        return f"{self.booking.reference} · {self.get_kind_display()} · {self.user}"
