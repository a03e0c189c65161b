from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from homecure.base.admin_paginator import EstimatedCountPaginator
from homecure.base.audit import client_ip
from records import break_glass, selectors, services
from records.forms import HealthRecordAdminForm
from records.models import (
    RECORD_CONTENT_FIELDS,
    AccessKind,
    AccessReason,
    HealthDocument,
    HealthRecord,
    RecordAccess,
    RecordAmendment,
)


class HealthDocumentInline(admin.TabularInline):
    """Lists a record's files; uploads go through the record pages, which check type and size."""

    model = HealthDocument
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at", "download")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("file"))
    def download(self, obj):
        # Through the record pages' checked view, so the download is kept like any other read.
        if obj.pk is None:
            return ""
        url = reverse("records:document", args=[obj.record_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class ReadOnlyInline(admin.TabularInline):
    """Audit rows shown under their record: written by the product, never by hand."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RecordAmendmentInline(ReadOnlyInline):
    model = RecordAmendment
    fields = ("created_at", "amended_by_name", "reason", "previous_values", "new_values")
    readonly_fields = fields


class RecordAccessInline(ReadOnlyInline):
    model = RecordAccess
    fields = ("created_at", "reader_name", "reason", "kind", "document", "ip_address", "user_agent")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("document")


#: What a record says about the patient's health: never a filter or a search term of the back office.
FINDINGS = frozenset(
    {"diagnosis", "treatment", "medications", "vitals", "vital_flags", "lab_results", "provider_notes"}
)


@admin.register(HealthRecord)
class HealthRecordAdmin(admin.ModelAdmin):
    """Back-office screen of health records.

    Opening a record here is a read like any other: it is kept in the record's reads and shown to
    the patient, and the administrator says why first (`records.break_glass`: the change page sends
    them to the reason page until they have). Adding and changing go through `records.services`, so
    flags, notifications and the kept previous values are the same as on the record pages.
    """

    form = HealthRecordAdminForm
    list_display = ("record_date", "record_type", "patient", "provider_name", "follow_up_date")
    list_select_related = ("user",)
    list_filter = ("record_type", "follow_up_required")
    search_fields = ("user__email", "user__first_name", "user__last_name", "provider_name", "booking__reference")
    date_hierarchy = "record_date"
    # A record or more per visit.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    autocomplete_fields = ("user", "booking")
    readonly_fields = ("created_by", "vital_flags", "created_at", "updated_at", "amended_at")
    fieldsets = (
        (None, {"fields": ("user", "booking", "record_type", "record_date", "provider_name", "created_by")}),
        (_("Findings"), {"fields": ("diagnosis", "treatment", "medications", "vitals", "vital_flags", "lab_results")}),
        (_("Follow-up"), {"fields": ("follow_up_required", "follow_up_date", "provider_notes")}),
        (_("Timestamps"), {"fields": ("created_at", "updated_at", "amended_at")}),
    )
    inlines = [HealthDocumentInline, RecordAmendmentInline, RecordAccessInline]

    def lookup_allowed(self, lookup, value, request=None):
        """No filter on the findings (`?diagnosis__icontains=`, `?vitals__heart_rate__gte=`, ...).

        Looking patients up by their findings is not an office task, and a list keeps no read row:
        such a filter would read every record with no trace (`__iregex` even spells a diagnosis out
        character by character). Django answers a refused lookup with 400 and logs it as a security
        event. Lookups through relations (documents, corrections) are refused by Django already,
        as none is a list filter here.
        """
        if lookup.split(LOOKUP_SEP, 1)[0] in FINDINGS:
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_inlines(self, request, obj):
        # A record being added has no reads or corrections yet.
        return self.inlines if obj is not None else [HealthDocumentInline]

    @admin.display(description=_("patient"), ordering="user__email")
    def patient(self, obj):
        return obj.user

    def get_readonly_fields(self, request, obj=None):
        # A record stays with the patient and visit it was written for.
        return self.readonly_fields + (("user", "booking") if obj is not None else ())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The page shows the findings: no reason, no record (the reason page 404s a record that is not there).
        record_pk = object_id if str(object_id).isdigit() else None
        if (
            record_pk is not None
            and selectors.is_admin(request.user)
            and not break_glass.reason_for(request.session, int(record_pk))
        ):
            return redirect(break_glass.reason_url(int(record_pk), request.get_full_path()))
        return super().change_view(request, object_id, form_url=form_url, extra_context=extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            services.record_log_read(
                record=obj,
                reader=request.user,
                reason=selectors.reader_reason(request.user, obj) or AccessReason.ADMIN,
                kind=AccessKind.BACK_OFFICE,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                reason_given=break_glass.reason_for(request.session, obj.pk),
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in RECORD_CONTENT_FIELDS if name in form.cleaned_data}
        if change:
            services.record_amend(
                record=obj, actor=request.user, reason=gettext("Changed in the back office."), **values
            )
            return
        record = services.record_create(actor=request.user, booking=obj.booking, patient=obj.user, **values)
        # The admin goes on with its own object (log entry, redirect): make it the saved record.
        obj.pk = record.pk
        obj.refresh_from_db()

    # Medical records are kept; a correction is a change, which the audit log records.
    def has_delete_permission(self, request, obj=None):
        return False
