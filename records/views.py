import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import personal_data
from accounts.decorators import patient_required
from homecure.base.audit import client_ip
from records import break_glass, selectors, services
from records.documents import download_name
from records.forms import BreakGlassForm, RecordFilterForm, RecordForms
from records.models import AccessKind

PAGE_SIZE = 10


def _audit_read(request, readable, kind, document=None):
    services.record_log_read(
        record=readable.record,
        reader=request.user,
        reason=readable.reason,
        kind=kind,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        document=document,
        reason_given=break_glass.reason_for(request.session, readable.record.pk),
    )


def _reason_first(request, readable):
    """A redirect to the reason page when an administrator has not said why they open this record
    (`records.break_glass`), else None. The patient, the author and a technician in their visit's
    access window are never asked."""
    if readable.needs_reason and not break_glass.reason_for(request.session, readable.record.pk):
        return redirect(break_glass.reason_url(readable.record.pk, request.get_full_path()))
    return None


@never_cache
@require_GET
@patient_required
def record_list(request):
    form = RecordFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    records = selectors.records_for_patient(
        request.user,
        record_type=filters.get("record_type", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "records/list.html", {"page_obj": page, "filter_form": form})


def _detail_context(request, readable):
    record = readable.record
    return {
        "record": record,
        "readable": readable,
        "readings": record.readings(),
        "blood_pressure": record.blood_pressure(),
        "documents": record.documents.all(),
        "amendments": record.amendments.select_related("amended_by__technician"),
        "can_amend": services.can_amend(request.user, record),
    }


@never_cache
@require_GET
@login_required
def record_detail(request, pk):
    readable = selectors.get_record_for_reader(request.user, pk)
    if ask := _reason_first(request, readable):
        return ask
    _audit_read(request, readable, AccessKind.VIEW)
    return render(request, "records/detail.html", _detail_context(request, readable))


@never_cache
@require_GET
@login_required
def record_print(request, pk):
    now = timezone.now()
    readable = selectors.get_record_for_reader(request.user, pk, now=now)
    if ask := _reason_first(request, readable):
        return ask
    _audit_read(request, readable, AccessKind.PRINT)
    context = _detail_context(request, readable)
    context["printed_at"] = now
    return render(request, "records/print.html", context)


@never_cache
@require_GET
@login_required
def document_download(request, pk, document_pk):
    document, readable = selectors.get_document_for_reader(request.user, pk, document_pk)
    if ask := _reason_first(request, readable):
        return ask
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    _audit_read(request, readable, AccessKind.DOCUMENT, document=document)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(document.original_name, document.content_type),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _safe_next(request, record):
    """Where to go once the reason is given: a path on this site, else the record page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return record.get_absolute_url()


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def record_reason(request, pk):
    """An administrator says why they open a patient's record (`records.break_glass`); anyone else
    who may read it goes straight on, and to anyone else the record does not exist."""
    readable = selectors.get_record_for_reader(request.user, pk)
    next_url = _safe_next(request, readable.record)
    if not readable.needs_reason:
        return redirect(next_url)
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        break_glass.grant(request.session, readable.record.pk, form.cleaned_data["reason"])
        return redirect(next_url)
    context = {
        "record": readable.record,
        "form": form,
        "next_url": next_url,
        "minutes": break_glass.GRANT_MINUTES,
    }
    return render(request, "records/reason.html", context)


def _request_token(request):
    try:
        return uuid.UUID(request.POST.get("request_token", ""))
    except ValueError:
        return None


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def record_new(request, reference):
    """The technician of a visit (or an administrator) writes its record."""
    user = request.user
    booking = selectors.get_booking_for_record_writer(user, reference)
    context = {"booking": booking}
    now = timezone.now()
    refusal = selectors.write_refusal(user, booking, now=now)
    if refusal is not None:
        context["refusal"] = refusal.message
        return render(request, "records/form.html", context, status=409)

    if request.method == "POST":
        forms = RecordForms(data=request.POST, files=request.FILES)
        token = _request_token(request)
        if forms.is_valid():
            try:
                record = services.record_create(
                    actor=user,
                    booking=booking,
                    documents=forms.uploads,
                    request_token=token,
                    now=now,
                    **forms.values(),
                )
            except services.RecordError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The health record is saved."))
                return redirect(record)
    else:
        initial = {
            "record_date": min(booking.scheduled_date, timezone.localdate(now)),
            "provider_name": user.get_full_name(),
        }
        forms = RecordForms(initial=initial)
        token = uuid.uuid4()
    context.update(forms=forms, request_token=token or uuid.uuid4())
    return render(request, "records/form.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def record_amend(request, pk):
    """The author (within the correction window) or an administrator corrects a record."""
    readable = selectors.get_record_for_reader(request.user, pk)
    if ask := _reason_first(request, readable):
        return ask
    record = readable.record
    refusal = services.amend_refusal(request.user, record)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect(record)
    if request.method == "POST":
        forms = RecordForms(data=request.POST, files=request.FILES, record=record, amend=True)
        if forms.is_valid():
            try:
                services.record_amend(
                    record=record,
                    actor=request.user,
                    reason=forms.reason.cleaned_data["reason"],
                    documents=forms.uploads,
                    **forms.values(),
                )
            except services.RecordError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The correction is saved; the previous values are kept."))
                return redirect(record)
    else:
        forms = RecordForms(record=record, amend=True)
    _audit_read(request, readable, AccessKind.CORRECTION)
    return render(request, "records/form.html", {"record": record, "booking": record.booking, "forms": forms})


@never_cache
@require_GET
@patient_required
def who_viewed(request):
    reads = selectors.reads_of_patient_records(request.user)
    page = Paginator(reads, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    return render(request, "records/who_viewed.html", {"page_obj": page})


@never_cache
@require_GET
@patient_required
def my_data(request):
    """Everything about the patient as one JSON file, sent as it is written (`accounts.personal_data`)."""
    now = timezone.now()
    services.personal_data_log_export(patient=request.user)
    response = StreamingHttpResponse(
        personal_data.export_stream(request.user, now=now), content_type="application/json; charset=utf-8"
    )
    filename = f"homecure-my-data-{timezone.localdate(now):%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
