from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from homecure.base import audit
from homecure.base.admin_paginator import EstimatedCountPaginator
from homecure.base.admin_read_only import ReadOnlyAdmin
from homecure.base.dates import format_when
from homecure.base.services import contact_mark_handled, contact_reopen, system_setting_change
from homecure.base.system_settings import SETTINGS
from homecure.models import AdminLog, Contact, ScheduledJobRun, SettingType, SystemSettings


def _admin_change_url(entity_type, entity_id):
    try:
        app_label, model_name = entity_type.split(".")
        return reverse(f"admin:{app_label}_{model_name}_change", args=[entity_id])
    except (ValueError, NoReverseMatch):
        return None


class ReadableChanges:
    """An entry's previous and new values as a person reads them: field names, choice labels and
    the objects that foreign keys point to, rather than codes and ids."""

    def __init__(self, entry: AdminLog):
        self.entry = entry
        try:
            self.model = apps.get_model(entry.entity_type)
        except (LookupError, ValueError):
            self.model = None

    def _field(self, name):
        if self.model is None:
            return None
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:  # removed since the entry was written
            return None

    def _related_names(self, field, values):
        """`{pk: str(object)}` for the ids a relation field held, in one query."""
        pks = [pk for value in values for pk in (value if isinstance(value, list) else [value]) if pk is not None]
        if not pks:
            return {}
        return {pk: str(obj) for pk, obj in field.related_model._base_manager.in_bulk(pks).items()}

    def rows(self):
        names = list(dict.fromkeys([*self.entry.previous_values, *self.entry.new_values]))
        rows = []
        for name in names:
            field = self._field(name)
            sides = [self.entry.previous_values, self.entry.new_values]
            values = [side.get(name) for side in sides]
            related = self._related_names(field, values) if field is not None and field.is_relation else {}
            shown = [self._show(field, side[name], related) if name in side else "" for side in sides]
            label = field.verbose_name if field is not None else name
            rows.append((str(label).capitalize(), *shown))
        return rows

    def _show(self, field, value, related):
        if value == audit.MASK:
            return _("(hidden)")
        if value is None or value == "":
            return "-"
        if isinstance(value, list) and field is not None and field.is_relation:
            return ", ".join(str(related.get(pk, f"#{pk}")) for pk in value) or "-"
        if field is not None and field.is_relation:
            return related.get(value, f"#{value}")
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            moment = parse_datetime(value)
            return format_when(moment, "date_time") if moment else value
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)


class ActionListFilter(admin.SimpleListFilter):
    """The actions present in the log, by their names in words ("Setting changed")."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = AdminLog.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(action, audit.action_label(action)) for action in actions]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class EntityTypeListFilter(admin.SimpleListFilter):
    """The kinds of object in the log, by their names ("Booking", not "bookings.booking")."""

    title = _("object")
    parameter_name = "entity_type"

    def lookups(self, request, model_admin):
        types = AdminLog.objects.order_by("entity_type").values_list("entity_type", flat=True).distinct()
        return [(entity_type, audit.entity_label(entity_type)) for entity_type in types]

    def queryset(self, request, queryset):
        return queryset.filter(entity_type=self.value()) if self.value() else queryset


@admin.register(AdminLog)
class AdminLogAdmin(ReadOnlyAdmin):
    """The audit trail: readable by administrators, changeable by nobody. The address and browser
    of each entry are on its page."""

    list_display = ("created_at", "admin_user", "action_name", "entity", "summary")
    list_select_related = ("admin_user",)
    list_filter = (
        ("admin_user", admin.RelatedOnlyFieldListFilter),
        ActionListFilter,
        EntityTypeListFilter,
        "created_at",
    )
    search_fields = ("description", "entity_type", "entity_id", "admin_user__email")
    date_hierarchy = "created_at"
    # An entry per change made anywhere on the platform.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = (
        "created_at",
        "admin_user",
        "action_name",
        "entity",
        "description",
        "changes",
        "ip_address",
        "user_agent",
    )
    readonly_fields = fields

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, obj):
        return audit.action_label(obj.action)

    @admin.display(description=_("object"), ordering="entity_type")
    def entity(self, obj):
        text = audit.entity_label(obj.entity_type, obj.entity_id)
        url = _admin_change_url(obj.entity_type, obj.entity_id) if obj.entity_id else None
        return format_html('<a href="{}">{}</a>', url, text) if url else text

    @admin.display(description=_("description"))
    def summary(self, obj):
        return obj.description if len(obj.description) <= 120 else obj.description[:119] + "…"

    @admin.display(description=_("changes"))
    def changes(self, obj):
        rows = ReadableChanges(obj).rows()
        if not rows:
            return "-"
        return format_html(
            '<table class="hc-changes"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("Field"),
            _("Before"),
            _("After"),
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>", rows),
        )


def _allowed(spec) -> str:
    """What a declared setting accepts, in words."""
    if spec.data_type == SettingType.BOOLEAN:
        return _("true or false")
    if spec.data_type == SettingType.JSON:
        return _("JSON")
    if spec.data_type == SettingType.NUMBER:
        kind = _("a whole number") if spec.integer else _("a number")
        return _("%(kind)s from %(min)s to %(max)s") % {"kind": kind, "min": spec.min_value, "max": spec.max_value}
    return _("text")


class SystemSettingForm(forms.ModelForm):
    class Meta:
        model = SystemSettings
        fields = ("value",)
        widgets = {"value": forms.TextInput(attrs={"size": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spec = SETTINGS.get(self.instance.key)
        if spec is not None and "value" in self.fields:
            self.fields["value"].help_text = _("Enter %(allowed)s.") % {"allowed": _allowed(spec)}

    def clean_value(self):
        value = self.cleaned_data["value"]
        spec = SETTINGS.get(self.instance.key)
        if spec is None:
            raise forms.ValidationError(_("This key is not declared by the platform; its value is not used."))
        # Stored in the declared form, e.g. "TRUE" becomes "true".
        return spec.serialize(spec.parse(value))


@admin.register(SystemSettings)
class SystemSettingsAdmin(admin.ModelAdmin):
    form = SystemSettingForm
    list_display = ("key", "value", "allowed", "category", "is_editable")
    list_filter = ("category", "data_type", "is_editable")
    search_fields = ("key", "description")
    fields = ("key", "value", "allowed", "default", "data_type", "category", "description", "is_editable", "updated_at")

    @admin.display(description=_("allowed values"))
    def allowed(self, obj):
        spec = SETTINGS.get(obj.key)
        return _allowed(spec) if spec else _("(not declared: unused)")

    @admin.display(description=_("default"))
    def default(self, obj):
        spec = SETTINGS.get(obj.key)
        return spec.serialize(spec.default) if spec else "-"

    def get_readonly_fields(self, request, obj=None):
        described = ("key", "allowed", "default", "data_type", "category", "description", "is_editable", "updated_at")
        spec = SETTINGS.get(obj.key) if obj is not None else None
        if spec is None or not (spec.is_editable and obj.is_editable):
            return (*described, "value")
        return described

    def save_model(self, request, obj, form, change):
        # The value is the only field the form edits, and only for a setting that may be changed.
        if "value" in form.cleaned_data:
            setting = system_setting_change(key=obj.key, value=form.cleaned_data["value"], actor=request.user)
            obj.value, obj.updated_at = setting.value, setting.updated_at

    # The keys are declared in code with their types; a row for an unknown key would mean nothing.
    def has_add_permission(self, request):
        return False

    # Only a row left over from a key the code no longer declares may go.
    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.key not in SETTINGS and super().has_delete_permission(request, obj)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("subject", "name", "email", "created_at", "is_handled")
    list_filter = ("is_handled", "created_at")
    search_fields = ("name", "email", "subject", "message")
    date_hierarchy = "created_at"
    # Anyone may write, so a run of spam can make it large.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = ("name", "email", "phone", "subject", "message", "ip_address", "created_at", "is_handled", "handled_at")
    readonly_fields = ("name", "email", "phone", "subject", "message", "ip_address", "created_at", "handled_at")
    actions = ["mark_handled"]

    @admin.action(description=_("Mark selected messages handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        waiting = list(queryset.filter(is_handled=False))
        for message in waiting:
            contact_mark_handled(message=message, actor=request.user)
        count = len(waiting)
        text = ngettext("%(count)d message marked handled.", "%(count)d messages marked handled.", count)
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        # "Handled" is the only field the form edits.
        if "is_handled" in form.changed_data:
            mark = contact_mark_handled if obj.is_handled else contact_reopen
            obj.handled_at = mark(message=obj, actor=request.user).handled_at

    # Messages arrive through the public contact form.
    def has_add_permission(self, request):
        return False


@admin.register(ScheduledJobRun)
class ScheduledJobRunAdmin(ReadOnlyAdmin):
    """When each daily job of `run_scheduled` last ran. Read-only: the command keeps the rows."""

    list_display = ("name", "last_run_at")
    search_fields = ("name",)


def _large_log_lists(*models):
    """django-axes keeps a row per log-in and per failed attempt, as many as any table of the
    platform, so its lists count like ours. Its admin is registered before this module runs, as
    "axes" comes before "homecure" in the installed apps. Its lists leave the browser and the path
    to each entry's page, so that they fit the page's width."""
    for model in models:
        if admin.site.is_registered(model):
            model_admin = admin.site.get_model_admin(model)
            model_admin.show_full_result_count = False
            model_admin.paginator = EstimatedCountPaginator
            shown = [name for name in model_admin.list_display if name not in ("user_agent", "path_info")]
            model_admin.list_display = tuple(shown)


_large_log_lists(AccessAttempt, AccessLog, AccessFailureLog)
