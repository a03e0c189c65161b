from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homecure.config import SETTINGS
from homecure.models import AdminLog, Contact, SystemSettings

admin.site.site_header = _("HomeCure back office")
admin.site.site_title = _("HomeCure back office")
admin.site.index_title = _("Platform administration")


@admin.register(AdminLog)
class AdminLogAdmin(admin.ModelAdmin):
    """The audit trail: readable by administrators, changeable by nobody."""

    list_display = ("created_at", "admin_user", "action", "entity_type", "entity_id", "ip_address")
    list_select_related = ("admin_user",)
    list_filter = ("action", "entity_type")
    search_fields = ("description", "entity_type", "entity_id", "admin_user__email")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SystemSettingForm(forms.ModelForm):
    class Meta:
        model = SystemSettings
        fields = ("value",)

    def clean_value(self):
        value = self.cleaned_data["value"]
        spec = SETTINGS.get(self.instance.key)
        if spec is None:
            return value
        # Stored in the declared form, e.g. "TRUE" becomes "true".
        return spec.serialize(spec.parse(value))


@admin.register(SystemSettings)
class SystemSettingsAdmin(admin.ModelAdmin):
    form = SystemSettingForm
    list_display = ("key", "value", "data_type", "category", "is_editable", "updated_at")
    list_filter = ("category", "data_type", "is_editable")
    search_fields = ("key", "description")
    fields = ("key", "value", "data_type", "category", "description", "is_editable", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        described = ("key", "data_type", "category", "description", "is_editable", "updated_at")
        if obj is not None and not obj.is_editable:
            return (*described, "value")
        return described

    # The keys are declared in code with their types; a row for an unknown key would mean nothing.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("subject", "name", "email", "created_at", "is_handled")
    list_filter = ("is_handled",)
    search_fields = ("name", "email", "subject", "message")
    date_hierarchy = "created_at"
    fields = ("name", "email", "phone", "subject", "message", "ip_address", "created_at", "is_handled", "handled_at")
    readonly_fields = ("name", "email", "phone", "subject", "message", "ip_address", "created_at", "handled_at")

    def save_model(self, request, obj, form, change):
        if "is_handled" in form.changed_data:
            obj.handled_at = timezone.now() if obj.is_handled else None
        super().save_model(request, obj, form, change)

    # Messages arrive through the public contact form.
    def has_add_permission(self, request):
        return False
