"""The technician portal's visit pages: dashboard, jobs, one job and its actions, check-in at the door.

They are booking pages served under `/portal/` (the `portal` URL namespace the root URLconf
composes from `technicians.portal_urls` and `bookings.portal_urls`). What other apps show on them
(the patient's health records, this month's earnings) comes from the receivers of
`bookings.signals.job_page_panels` and `dashboard_panels`.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import technician_required
from bookings import selectors, services, signals
from bookings.check_in import attempt_check_in, give_back_code_try, refuse_too_many_tries, take_code_try
from bookings.forms import CheckInCodeForm, CompleteForm, DeclineForm, NoShowForm
from bookings.models import CheckInFailure, CheckInMethod
from homecure.base.audit import client_ip
from homecure.base.page_cache import keyed_page
from technicians import selectors as technician_selectors
from technicians.decorators import technician_profile_required

PAGE_SIZE = 10
UPCOMING_ON_DASHBOARD = 5
# The dashboard shows the soonest requests; a technician with more answers the rest from the jobs page.
REQUESTS_ON_DASHBOARD = 5


# --- Dashboard and jobs ---------------------------------------------------------------------------------------


@never_cache
@technician_required
# Kept before the profile is read: its sources name the technician's rows from the account alone.
@keyed_page(lambda request: selectors.dashboard_sources(request.user, now=timezone.now()))
@technician_profile_required
def dashboard(request, technician):
    now = timezone.now()
    requests = list(selectors.job_requests(technician, now=now)[: REQUESTS_ON_DASHBOARD + 1])
    context = {
        "technician": technician,
        "may_work": technician_selectors.may_work(technician),
        "today_visits": selectors.today_visits(technician, now=now),
        "requests": requests[:REQUESTS_ON_DASHBOARD],
        "more_requests": len(requests) > REQUESTS_ON_DASHBOARD,
        "upcoming": selectors.upcoming_visits(technician, now=now)[:UPCOMING_ON_DASHBOARD],
        "panels": signals.rendered_panels(signals.dashboard_panels, request, technician=technician, now=now),
        "decline_form": DeclineForm(),
        "missing": technician_selectors.missing_profile_items(technician) if not technician.is_verified else [],
        "today": timezone.localdate(now),
    }
    return render(request, "bookings/portal/dashboard.html", context)


JOB_TABS = {
    "requests": selectors.job_requests,
    "upcoming": selectors.active_jobs,
    "past": selectors.past_jobs,
}


@never_cache
@technician_profile_required
def jobs(request, technician):
    show = request.GET.get("show") if request.GET.get("show") in JOB_TABS else "upcoming"
    page = Paginator(JOB_TABS[show](technician), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "technician": technician,
        "may_work": technician_selectors.may_work(technician),
        "show": show,
        "page_obj": page,
    }
    return render(request, "bookings/portal/jobs.html", context)


@never_cache
@technician_profile_required
def job(request, technician, reference):
    booking = selectors.get_job(technician, reference)
    now = timezone.now()
    opens, closes = services.check_in_window(booking)
    context = {
        "booking": booking,
        "history": booking.history.select_related("changed_by"),
        "decline_form": DeclineForm() if booking.can_decline else None,
        "offer_deadline": services.offer_deadline(booking),
        "code_form": CheckInCodeForm() if booking.can_check_in else None,
        "check_in_opens": opens,
        "check_in_closes": closes,
        "complete_form": CompleteForm(booking=booking) if booking.can_complete else None,
        "no_show_form": NoShowForm() if services.can_report_no_show(booking, request.user, now=now) else None,
        "panels": signals.rendered_panels(
            signals.job_page_panels, request, booking=booking, technician=technician, now=now
        ),
    }
    return render(request, "bookings/portal/job.html", context)


REVIEWS_PAGE_SIZE = 10


@never_cache
@require_GET
@technician_profile_required
def reviews(request, technician):
    """The technician's ratings: average, how many of each number of stars, and the reviews, latest
    first. Patients are named by first name only (`get_short_name`): the review is about the visit,
    and the technician needs no more to recognise it."""
    page = Paginator(selectors.rated_visits(technician), REVIEWS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"technician": technician, "summary": selectors.rating_summary(technician), "page_obj": page}
    return render(request, "bookings/portal/reviews.html", context)


def _act(request, booking, action, success, **kwargs):
    """Run one booking service for the technician; its refusal is shown as a message."""
    try:
        action(booking=booking, actor=request.user, **kwargs)
    except services.BookingError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


@require_POST
@technician_profile_required
def accept(request, technician, reference):
    booking = selectors.get_job(technician, reference)
    _act(request, booking, services.booking_accept, _("Visit accepted. The patient has been told."))
    return redirect("portal:job", reference=booking.reference)


@require_POST
@technician_profile_required
def decline(request, technician, reference):
    booking = selectors.get_job(technician, reference)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason for declining."))
        return redirect("portal:job", reference=booking.reference)
    declined = _act(
        request,
        booking,
        services.booking_decline,
        _("You declined the visit; it is offered to another technician."),
        reason=form.cleaned_data["reason"],
    )
    return redirect("portal:dashboard") if declined else redirect("portal:job", reference=booking.reference)


@require_POST
@technician_profile_required
def complete(request, technician, reference):
    booking = selectors.get_job(technician, reference)
    form = CompleteForm(request.POST, booking=booking)
    if form.is_valid():
        _act(
            request,
            booking,
            services.booking_complete,
            _("Visit completed. Thank you."),
            technician_notes=form.cleaned_data["technician_notes"],
            payment_collected=form.cleaned_data.get("payment_collected", False),
        )
    else:
        messages.error(request, _("Visit notes can be at most 4000 characters."))
    return redirect("portal:job", reference=booking.reference)


@require_POST
@technician_profile_required
def no_show(request, technician, reference):
    booking = selectors.get_job(technician, reference)
    form = NoShowForm(request.POST)
    if form.is_valid():
        _act(
            request,
            booking,
            services.booking_report_no_show,
            _("The visit was cancelled as a no-show and the office has been told."),
            note=form.cleaned_data["note"],
        )
    else:
        messages.error(request, _("The note can be at most 300 characters."))
    return redirect("portal:job", reference=booking.reference)


# --- Check-in at the door -------------------------------------------------------------------------------------


def _render_outcome(request, outcome):
    return render(request, "bookings/portal/check_in.html", {"outcome": outcome}, status=outcome.status)


@never_cache
@technician_required
def check_in(request, token):
    """The page a booking's QR code opens: the assigned technician checks in with one button.

    GET only shows the visit; the check-in itself is a POST, so a link preview or a prefetch
    cannot start a visit.
    """
    outcome = attempt_check_in(
        user=request.user,
        technician=technician_selectors.technician_of(request.user),
        booking=selectors.booking_for_token(token),
        code=token,
        method=CheckInMethod.QR,
        perform=request.method == "POST",
        ip_address=client_ip(request),
    )
    return _render_outcome(request, outcome)


@never_cache
@technician_required
def check_in_code(request):
    """Check in by typing the short code printed under the patient's QR code."""
    form = CheckInCodeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "bookings/portal/check_in_code.html", {"form": form})
    now = timezone.now()
    ip_address = client_ip(request)
    typed = request.POST.get("code", "")
    if not take_code_try(request.user):
        return _render_outcome(
            request, refuse_too_many_tries(user=request.user, code=typed, ip_address=ip_address, now=now)
        )
    if not form.is_valid():
        if not typed.strip():
            give_back_code_try(request.user)
        else:
            services.failed_check_in_record(
                user=request.user,
                code=typed,
                method=CheckInMethod.TYPED,
                reason=CheckInFailure.UNKNOWN_CODE,
                ip_address=ip_address,
                now=now,
            )
        return render(request, "bookings/portal/check_in_code.html", {"form": form})
    code = form.cleaned_data["code"]
    outcome = attempt_check_in(
        user=request.user,
        technician=technician_selectors.technician_of(request.user),
        booking=selectors.booking_for_code(code),
        code=code,
        method=CheckInMethod.TYPED,
        perform=True,
        ip_address=ip_address,
        now=now,
    )
    if outcome.ok:
        give_back_code_try(request.user)
    if outcome.kind == CheckInFailure.UNKNOWN_CODE:
        form.add_error("code", outcome.message)
        return render(request, "bookings/portal/check_in_code.html", {"form": form}, status=404)
    return _render_outcome(request, outcome)
