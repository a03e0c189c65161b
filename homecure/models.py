"""Site-wide models: the audit log, typed system settings and contact-form messages."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from homecure.base.timestamps import TouchesUpdatedAt, TouchingQuerySet


class AuditLogIsAppendOnly(ValidationError):
    """Raised on any attempt to change or delete audit log entries."""


class AdminLogQuerySet(models.QuerySet):
    """Refuses bulk changes too: `AdminLog.objects.filter(...).update(...)` / `.delete()` would bypass
    the model's `save()` and `delete()`. On PostgreSQL a trigger refuses them in the database as well."""

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly(_("Audit log entries cannot be changed."))

    def delete(self):
        raise AuditLogIsAppendOnly(_("Audit log entries cannot be deleted."))

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly(_("Audit log entries cannot be changed."))

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AuditLogIsAppendOnly(_("Audit log entries cannot be changed."))


class AdminLog(models.Model):
    """An append-only audit entry: who did what to which object, from where, with before/after values."""

    # An administrator who appears in the log cannot be deleted (deactivate the account instead):
    # setting the actor to NULL would rewrite the entries.
    admin_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=50)
    entity_type = models.CharField(_("entity type"), max_length=50)
    entity_id = models.CharField(_("entity id"), max_length=50, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    previous_values = models.JSONField(_("previous values"), default=dict, blank=True)
    new_values = models.JSONField(_("new values"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = AdminLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["entity_type", "entity_id"], name="adminlog_entity_idx"),
            models.Index(fields=["admin_user", "-created_at"], name="adminlog_actor_idx"),
            models.Index(fields=["action", "-created_at"], name="adminlog_action_idx"),
        ]

    def __str__(self):
        from homecure.base.audit import action_label, entity_label

        return f"{action_label(self.action)}: {entity_label(self.entity_type, self.entity_id)}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditLogIsAppendOnly(_("Audit log entries cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly(_("Audit log entries cannot be deleted."))


class SettingType(models.TextChoices):
    STRING = "string", _("Text")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Yes/no")
    JSON = "json", _("JSON")


class SystemSettings(TouchesUpdatedAt, models.Model):
    """One platform setting; its type, default and range are declared in `homecure.base.system_settings`."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    value = models.TextField(_("value"), max_length=5000)
    data_type = models.CharField(_("type"), max_length=10, choices=SettingType.choices)
    category = models.CharField(_("category"), max_length=50)
    description = models.CharField(_("description"), max_length=500, blank=True)
    is_editable = models.BooleanField(_("editable"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TouchingQuerySet.as_manager()

    class Meta:
        verbose_name = _("system setting")
        verbose_name_plural = _("system settings")
        ordering = ["category", "key"]

    def __str__(self):
        return self.key


class Contact(models.Model):
    """A message sent through the public contact form."""

    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    subject = models.CharField(_("subject"), max_length=150)
    message = models.TextField(_("message"), max_length=3000)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    is_handled = models.BooleanField(_("handled"), default=False)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        ordering = ["is_handled", "-created_at"]
        indexes = [models.Index(fields=["ip_address", "created_at"], name="contact_ip_created_idx")]

    def __str__(self):
        return f"{self.subject} ({self.email})"


class ScheduledJobRun(models.Model):
    """When a scheduled job that is due once a day last ran: `run_scheduled` runs it again when a
    day has passed. A row in the database, not a cache key, so every server's cron sees the same
    answer, and its lock lets only one of two runs at the same moment take the job."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")
        ordering = ["name"]

    def __str__(self):
        return self.name
