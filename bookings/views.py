import base64
import uuid
from contextlib import suppress

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import patient_required
from accounts.models import ServiceArea
from bookings import receipts, selectors, services, signals
from bookings.forms import BookingForm, CancelForm, PaymentForm, RescheduleForm, ReviewForm
from bookings.models import BookingStatus, PaymentMethod, Service
from bookings.scheduling import bookable_days, first_day_with_free_times, free_times_generation
from homecure.base.page_cache import keyed_page

PAGE_SIZE = 10


@patient_required
@keyed_page(lambda request: selectors.my_bookings_sources(request.user))
def booking_list(request):
    show = "past" if request.GET.get("show") == "past" else "upcoming"
    if show == "past":
        bookings = selectors.past_bookings_for_patient(request.user)
    else:
        bookings = selectors.upcoming_bookings_for_patient(request.user)
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "bookings/list.html", {"page_obj": page, "show": show})


@never_cache
@vary_on_headers("HX-Request")
@patient_required
def booking_new(request, slug):
    """Choose area and date, then a free time, then review and confirm (all without JavaScript).

    The free times are a GET (`?area=&date=`): the whole page, or with htmx only the fragment of
    the times. Without a date the form opens on the first day that has free times. Reviewing and
    confirming are POSTs of the form.
    """
    service = get_object_or_404(Service, slug=slug, is_active=True)
    if request.method != "POST":
        if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
            return _free_times_reply(request, service)
        return _render_new(request, service, _times_form(request, service))
    action = request.POST.get("action", "times")

    existing = _booking_of_request(request)
    if existing is not None:
        return redirect(existing)

    step = BookingForm.STEP_PLACE if action in ("times", "change") else BookingForm.STEP_FULL
    form = BookingForm(request.POST, service=service, step=step)
    if not form.is_valid() or action in ("times", "change"):
        return _render_new(request, service, form)
    if action == "review":
        terms = services.cancellation_terms(
            start=form.cleaned_data["start"], booked_at=form.now, pending=True, now=form.now
        )
        return render(request, "bookings/review.html", {"service": service, "form": form, "cancel_terms": terms})

    data = form.cleaned_data
    try:
        booking = services.booking_create(
            patient=request.user,
            service=service,
            area=data["area"],
            address=data["address"],
            start=data["start"],
            payment_method=data["payment_method"],
            user_notes=data["user_notes"],
            request_token=data["request_token"],
        )
    except services.SlotTaken as error:
        taken = data["start"]
        form.add_error("start", error.message)
        form.free_starts = [start for start in form.free_starts if start != taken]
        return _render_new(request, service, form)
    messages.success(request, _("Your visit is booked. We will let you know as soon as the technician confirms."))
    return redirect(booking)


@keyed_page(
    lambda request, service: selectors.free_times_reply_sources(),
    version=lambda request, service: free_times_generation(),
)
def _free_times_reply(request, service):
    """htmx's answer to a change of the area or the date: the fragment of the times. It is kept
    while the free times' generation (moved by every booking, schedule, time-off, technician and
    area change) and what else it shows are unchanged; it carries no form token of its own."""
    return render(
        request, "bookings/_free_times_reply.html", _new_context(request, service, _times_form(request, service))
    )


def _times_form(request, service):
    """The booking form of a GET: the free times of `?area=&date=`, the patient's own area and the
    first day with free times by default; unbound (nothing to show yet) for a patient without an area."""
    area = request.GET.get("area", "")
    if "area" not in request.GET:
        # Opening the form: the patient's own area, if it is still served.
        area = (
            request.user.area_id if ServiceArea.objects.filter(pk=request.user.area_id, is_active=True).exists() else ""
        )
    data = {
        "area": area,
        "date": request.GET.get("date", ""),
        "address": request.user.address,
        "request_token": uuid.uuid4(),
        "payment_method": PaymentMethod.CASH,
    }
    if not area:
        form = BookingForm(service=service, initial=data)
        form.initial["date"] = form.first_day
        return form
    if not data["date"]:
        form = BookingForm(service=service)
        day = None
        with suppress(ValidationError):
            day = first_day_with_free_times(service=service, area=form.fields["area"].clean(area), now=form.now)
        data["date"] = (day or form.first_day).isoformat()
    form = BookingForm(data, service=service, step=BookingForm.STEP_QUERY)
    form.is_valid()
    return form


def _new_context(request, service, form):
    # The heading of the times takes the focus when the patient asked for them (the "Show free
    # times" button, a day of the row of days), not while they are still choosing the date.
    return {"service": service, "form": form, "focus_times": request.GET.get("focus") == "times"}


def _render_new(request, service, form):
    return render(request, "bookings/new.html", _new_context(request, service, form))


def _booking_of_request(request):
    """The booking a resubmitted form already made, if any."""
    try:
        token = uuid.UUID(request.POST.get("request_token", ""))
    except ValueError:
        return None
    return selectors.booking_of_request(request.user, token)


@never_cache
@patient_required
@keyed_page(lambda request, reference: selectors.booking_page_sources(request.user, reference))
def booking_detail(request, reference):
    booking = selectors.get_booking_for_patient(request.user, reference)
    now = timezone.now()
    can_cancel = services.can_cancel(booking, request.user, now=now)
    context = {
        "booking": booking,
        "history": booking.history.select_related("changed_by"),
        "can_cancel": can_cancel,
        "can_reschedule": services.can_reschedule(booking, request.user, now=now),
        "cancel_deadline": services.cancellation_deadline(booking),
        "cancel_terms": services.cancellation_terms(
            start=booking.scheduled_start,
            booked_at=booking.created_at,
            pending=booking.status == BookingStatus.PENDING,
            now=now,
        ),
        "cancel_form": CancelForm() if can_cancel else None,
        "payment_form": PaymentForm() if booking.can_pay else None,
        "review_form": ReviewForm() if booking.can_review else None,
        "documents": selectors.documents_for_patient(request.user, booking),
        "panels": signals.rendered_panels(signals.booking_page_panels, request, booking=booking, now=now),
    }
    return render(request, "bookings/detail.html", context)


@never_cache
@patient_required
def booking_reschedule(request, reference):
    """Change the time of a visit: a date, one of its free times, a review of the change, then confirm.

    Open while the patient could cancel the visit free of charge; afterwards back to the booking
    page with the reason.
    """
    booking = selectors.get_booking_for_patient(request.user, reference)
    now = timezone.now()
    if not services.can_reschedule(booking, request.user, now=now):
        messages.error(request, _("The time of this visit can no longer be changed online. Please contact us."))
        return redirect(booking)
    action = request.POST.get("action", "times") if request.method == "POST" else None
    if action is None:
        first, last = bookable_days(now=now)
        day = min(max(booking.scheduled_date, first), last)
        form = RescheduleForm({"date": day.isoformat()}, booking=booking, now=now)
        form.is_valid()
        return _render_reschedule(request, booking, form)

    step = RescheduleForm.STEP_PLACE if action in ("times", "change") else RescheduleForm.STEP_FULL
    form = RescheduleForm(request.POST, booking=booking, step=step, now=now)
    if not form.is_valid() or action in ("times", "change"):
        return _render_reschedule(request, booking, form)
    start = form.cleaned_data["start"]
    if action == "review":
        context = {
            "booking": booking,
            "form": form,
            "keeps_technician": services.reschedule_keeps_technician(booking, start, now=now),
        }
        return render(request, "bookings/reschedule_review.html", context)
    try:
        booking = services.booking_reschedule(booking=booking, start=start, actor=request.user)
    except services.SlotTaken as error:
        form.add_error("start", error.message)
        form.free_starts = [free for free in form.free_starts if free != start]
        return _render_reschedule(request, booking, form)
    except services.BookingError as error:
        messages.error(request, error.message)
        return redirect(booking)
    if booking.status == BookingStatus.CONFIRMED:
        done = _("Your visit is moved to %(when)s. It has a new check-in code.")
    else:
        done = _("Your visit is moved to %(when)s. We will let you know as soon as the technician confirms.")
    messages.success(request, done % {"when": formats.date_format(booking.local_start, "l j F Y, H:i")})
    return redirect(booking)


def _render_reschedule(request, booking, form):
    return render(request, "bookings/reschedule.html", {"booking": booking, "form": form})


@never_cache
@patient_required
def booking_qr(request, reference):
    """The check-in QR code as a PNG, shown inline or downloaded with ?download=1."""
    booking = selectors.get_booking_for_patient(request.user, reference)
    if not booking.shows_qr:
        return HttpResponse(status=404)
    response = HttpResponse(base64.b64decode(booking.qr_code), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="homecure-{booking.reference}-qr.png"'
    return response


def _patient_action(request, reference, form_class, act, *, invalid, done):
    """The shape of the patient's actions on their own booking (cancel, pay, review).

    The booking is the patient's own or 404; `act(booking, cleaned_data)` calls the service. A form
    that does not validate shows `invalid` (a text, or a function of the form) and a refusal of the
    service shows its message; either way, and on success with `done`, back to the booking page.
    """
    booking = selectors.get_booking_for_patient(request.user, reference)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, invalid(form) if callable(invalid) else invalid)
        return redirect(booking)
    try:
        act(booking, form.cleaned_data)
    except services.BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(booking)


@require_POST
@patient_required
def booking_cancel(request, reference):
    return _patient_action(
        request,
        reference,
        CancelForm,
        lambda booking, data: services.booking_cancel(booking=booking, actor=request.user, reason=data["reason"]),
        invalid=_("Please tell us why you are cancelling."),
        done=_("Your booking is cancelled."),
    )


@require_POST
@patient_required
def booking_pay(request, reference):
    return _patient_action(
        request,
        reference,
        PaymentForm,
        lambda booking, data: services.booking_pay_online(
            booking=booking, actor=request.user, card_number=data["card_number"]
        ),
        invalid=lambda form: " ".join(form.errors["card_number"]),
        done=_("Thank you, your payment went through."),
    )


@require_POST
@patient_required
def booking_review(request, reference):
    return _patient_action(
        request,
        reference,
        ReviewForm,
        lambda booking, data: services.booking_review(
            booking=booking, actor=request.user, rating=data["rating"], review=data["review"]
        ),
        invalid=_("Choose a rating from 1 to 5."),
        done=_("Thank you for your review."),
    )


@require_safe
@patient_required
def booking_document(request, reference, number):
    """The PDF receipt (of a payment) or credit note (of a refund) of the patient's own booking."""
    payment = selectors.get_document_for_patient(request.user, reference, number)
    response = HttpResponse(receipts.render_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{payment.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
