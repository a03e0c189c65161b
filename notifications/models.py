from django.conf import settings
from django.db import models
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
        ]

    def __str__(self):
        return self.title
