"""The technician portal: sign-up, profile, schedule, jobs, check-in at the door."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import emails as account_emails
from accounts.decorators import technician_required
from bookings import services as booking_services
from bookings.models import BookingStatus, PaymentMethod, PaymentStatus
from earnings import selectors as earnings_selectors
from homecure.base.money import format_money
from records import selectors as records_selectors
from technicians import checkin, selectors, services
from technicians.decorators import technician_profile_required
from technicians.forms import (
    CertificationFormSet,
    CheckInCodeForm,
    CompleteForm,
    DeclineForm,
    NoShowForm,
    ProfileForm,
    ScheduleFormSet,
    TechnicianSignUpForm,
    TimeOffForm,
    certification_initial,
)
from technicians.models import CheckInFailure, CheckInMethod, Technician, TimeOff

PAGE_SIZE = 10
UPCOMING_ON_DASHBOARD = 5
# The dashboard shows the soonest requests; a technician with more answers the rest from the jobs page.
REQUESTS_ON_DASHBOARD = 5
# Typed codes are short; after this many wrong ones in the window the form stops answering for a while.
CODE_TRIES = 10
CODE_TRIES_WINDOW = timedelta(minutes=15)


# --- Joining and the profile ----------------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
def join(request):
    """The public "Work with us" page: a technician account, opened once the e-mailed link confirms
    the address (`accounts:signup-confirm`, which then leads to the profile).

    A new address and one that already has an account get the same answer (the owner of the latter
    is told by e-mail), so the form does not reveal who has an account.
    """
    if request.user.is_authenticated:
        return redirect("accounts:after-login")
    form = TechnicianSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            technician = services.technician_sign_up(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                specialization=data["specialization"],
                license_number=data["license_number"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            account_emails.send_sign_up_answer(email=data["email"], user=technician.user if technician else None)
            return redirect("accounts:signup-sent")
    return render(request, "technicians/join.html", {"form": form})


@never_cache
@technician_required
def profile(request):
    technician = selectors.technician_of(request.user)
    instance = technician or Technician(user=request.user)
    initial = certification_initial(technician.certifications if technician else [])
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=instance)
        certifications = CertificationFormSet(request.POST, prefix="cert")
        if form.is_valid() and certifications.is_valid():
            data = form.cleaned_data
            try:
                services.technician_save_profile(
                    user=request.user,
                    specialization=data["specialization"],
                    license_number=data["license_number"],
                    experience_years=data["experience_years"],
                    bio=data["bio"],
                    certifications=certifications.as_json(),
                    service_areas=data["service_areas"],
                    photo=data.get("photo"),
                    remove_photo=data.get("remove_photo", False),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("portal:profile")
    else:
        form = ProfileForm(instance=instance)
        certifications = CertificationFormSet(initial=initial, prefix="cert")
    context = {"form": form, "certifications": certifications, "technician": technician}
    return render(request, "technicians/profile.html", context)


def photo(request, pk):
    """A technician's photo, for the technician, administrators and their patients only (others 404)."""
    technician = get_object_or_404(Technician.objects.select_related("user"), pk=pk)
    if not technician.profile_picture or not selectors.may_see_photo(request.user, technician):
        raise Http404
    try:
        picture = technician.profile_picture.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = "image/png" if technician.profile_picture.name.lower().endswith(".png") else "image/jpeg"
    response = FileResponse(picture, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Availability ---------------------------------------------------------------------------------------------


@never_cache
@technician_profile_required
def schedule(request, technician):
    """The weekly schedule editor, time off and the "available for new jobs" switch on one page."""
    if request.method == "POST":
        formset = ScheduleFormSet(request.POST, prefix="window")
        if formset.is_valid():
            services.technician_set_schedule(technician=technician, windows=formset.windows())
            messages.success(request, _("Your weekly schedule was saved. Visits already booked stay as they are."))
            return redirect("portal:schedule")
        messages.error(request, _("Your schedule was not saved. Please correct the rows marked below."))
        return _render_schedule(request, technician, formset=formset)
    return _render_schedule(request, technician)


def _render_schedule(request, technician, *, formset=None, time_off_form=None):
    if formset is None:
        windows = technician.availability_schedule.order_by("weekday", "start_time")
        formset = ScheduleFormSet(
            prefix="window",
            initial=[{"weekday": w.weekday, "start_time": w.start_time, "end_time": w.end_time} for w in windows],
        )
    context = {
        "technician": technician,
        "formset": formset,
        "time_off_form": time_off_form or TimeOffForm(),
        "time_off": technician.time_off.filter(end_date__gte=timezone.localdate()).order_by("start_date"),
    }
    return render(request, "technicians/schedule.html", context)


@require_POST
@technician_profile_required
def time_off_add(request, technician):
    form = TimeOffForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.technician_add_time_off(
                technician=technician, start_date=data["start_date"], end_date=data["end_date"], reason=data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your time off was added; no new visits are offered to you on those days."))
            booked = selectors.active_jobs(technician).filter(
                scheduled_date__gte=data["start_date"], scheduled_date__lte=data["end_date"]
            )
            count = booked.count()
            if count:
                messages.warning(
                    request,
                    _(
                        "You already have %(count)s accepted visit(s) on those days. They stay booked: "
                        "decline them or contact the office."
                    )
                    % {"count": count},
                )
            return redirect("portal:schedule")
    return _render_schedule(request, technician, time_off_form=form)


@require_POST
@technician_profile_required
def time_off_delete(request, technician, pk):
    time_off = get_object_or_404(TimeOff, pk=pk, technician=technician)
    services.technician_delete_time_off(technician=technician, time_off=time_off)
    messages.success(request, _("The time off was removed."))
    return redirect("portal:schedule")


@require_POST
@technician_profile_required
def availability(request, technician):
    available = request.POST.get("available") == "1"
    services.technician_set_available(technician=technician, available=available)
    if available:
        messages.success(request, _("You are available for new jobs again."))
    else:
        messages.success(request, _("You will not be offered new jobs until you switch this back on."))
    return redirect("portal:dashboard" if request.POST.get("from") == "dashboard" else "portal:schedule")


# --- Dashboard and jobs ---------------------------------------------------------------------------------------


@never_cache
@technician_profile_required
def dashboard(request, technician):
    now = timezone.now()
    requests = list(selectors.job_requests(technician, now=now)[: REQUESTS_ON_DASHBOARD + 1])
    context = {
        "technician": technician,
        "may_work": selectors.may_work(technician),
        "today_visits": selectors.today_visits(technician, now=now),
        "requests": requests[:REQUESTS_ON_DASHBOARD],
        "more_requests": len(requests) > REQUESTS_ON_DASHBOARD,
        "upcoming": selectors.upcoming_visits(technician, now=now)[:UPCOMING_ON_DASHBOARD],
        "totals": earnings_selectors.totals_for(technician, now=now),
        "decline_form": DeclineForm(),
        "missing": _missing_profile_items(technician) if not technician.is_verified else [],
        "today": timezone.localdate(now),
    }
    return render(request, "technicians/dashboard.html", context)


def _missing_profile_items(technician):
    """What a new technician still has to fill in before the office can verify them."""
    missing = []
    if not technician.certifications:
        missing.append(_("your certifications"))
    if not technician.service_areas.exists():
        missing.append(_("the areas you work in"))
    if not technician.availability_schedule.exists():
        missing.append(_("your weekly schedule"))
    if not technician.profile_picture:
        missing.append(_("a photo"))
    return missing


JOB_TABS = {
    "requests": lambda technician: selectors.job_requests(technician),
    "upcoming": lambda technician: selectors.active_jobs(technician),
    "past": lambda technician: selectors.past_jobs(technician),
}


@never_cache
@technician_profile_required
def jobs(request, technician):
    show = request.GET.get("show") if request.GET.get("show") in JOB_TABS else "upcoming"
    page = Paginator(JOB_TABS[show](technician), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"technician": technician, "may_work": selectors.may_work(technician), "show": show, "page_obj": page}
    return render(request, "technicians/jobs.html", context)


@never_cache
@technician_profile_required
def job(request, technician, reference):
    booking = selectors.get_job(technician, reference)
    now = timezone.now()
    opens, closes = booking_services.checkin_window(booking)
    context = {
        "booking": booking,
        "history": booking.history.select_related("changed_by"),
        "decline_form": DeclineForm() if booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED) else None,
        "code_form": CheckInCodeForm() if booking.status == BookingStatus.CONFIRMED else None,
        "checkin_opens": opens,
        "checkin_closes": closes,
        "complete_form": _complete_form(booking) if booking.status == BookingStatus.IN_PROGRESS else None,
        "no_show_form": NoShowForm() if booking_services.can_report_no_show(booking, request.user, now=now) else None,
        "patient_records": records_selectors.job_records(request.user, booking),
    }
    return render(request, "technicians/job.html", context)


def _complete_form(booking, data=None):
    label = None
    if (
        booking.payment_method in (PaymentMethod.CASH, PaymentMethod.CARD)
        and booking.payment_status == PaymentStatus.PENDING
    ):
        label = _("I collected the payment of %(amount)s (%(method)s)") % {
            "amount": format_money(booking.total_amount),
            "method": booking.get_payment_method_display().lower(),
        }
    return CompleteForm(data, payment_label=label)


def _act(request, booking, action, success, **kwargs):
    """Run one booking service for the technician; its refusal is shown as a message."""
    try:
        action(booking=booking, actor=request.user, **kwargs)
    except booking_services.BookingError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


@require_POST
@technician_profile_required
def accept(request, technician, reference):
    booking = selectors.get_job(technician, reference)
    _act(request, booking, booking_services.booking_accept, _("Visit accepted. The patient has been told."))
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
        booking_services.booking_decline,
        _("You declined the visit; it is offered to another technician."),
        reason=form.cleaned_data["reason"],
    )
    return redirect("portal:dashboard") if declined else redirect("portal:job", reference=booking.reference)


@require_POST
@technician_profile_required
def complete(request, technician, reference):
    booking = selectors.get_job(technician, reference)
    form = _complete_form(booking, request.POST)
    if form.is_valid():
        _act(
            request,
            booking,
            booking_services.booking_complete,
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
            booking_services.booking_report_no_show,
            _("The visit was cancelled as a no-show and the office has been told."),
            note=form.cleaned_data["note"],
        )
    else:
        messages.error(request, _("The note can be at most 300 characters."))
    return redirect("portal:job", reference=booking.reference)


# --- Check-in at the door -------------------------------------------------------------------------------------


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


@never_cache
@technician_required
def check_in(request, token):
    """The page a booking's QR code opens: the assigned technician checks in with one button.

    GET only shows the visit; the check-in itself is a POST, so a link preview or a prefetch
    cannot start a visit.
    """
    outcome = checkin.attempt(
        user=request.user,
        technician=selectors.technician_of(request.user),
        booking=selectors.booking_for_token(token),
        code=token,
        method=CheckInMethod.QR,
        perform=request.method == "POST",
        ip_address=_client_ip(request),
    )
    return render(request, "technicians/check_in.html", {"outcome": outcome}, status=outcome.status)


@never_cache
@technician_required
def check_in_code(request):
    """Check in by typing the short code printed under the patient's QR code."""
    form = CheckInCodeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "technicians/check_in_code.html", {"form": form})
    now = timezone.now()
    ip_address = _client_ip(request)
    typed = request.POST.get("code", "")
    if selectors.recent_failed_codes(request.user, since=now - CODE_TRIES_WINDOW) >= CODE_TRIES:
        outcome = checkin.too_many_tries(user=request.user, code=typed, ip_address=ip_address, now=now)
        return render(request, "technicians/check_in.html", {"outcome": outcome}, status=outcome.status)
    if not form.is_valid():
        if typed.strip():
            checkin.record_failure(
                user=request.user,
                code=typed,
                method=CheckInMethod.TYPED,
                reason=CheckInFailure.UNKNOWN_CODE,
                booking=None,
                ip_address=ip_address,
                now=now,
            )
        return render(request, "technicians/check_in_code.html", {"form": form})
    code = form.cleaned_data["code"]
    outcome = checkin.attempt(
        user=request.user,
        technician=selectors.technician_of(request.user),
        booking=selectors.booking_for_code(code),
        code=code,
        method=CheckInMethod.TYPED,
        perform=True,
        ip_address=ip_address,
        now=now,
    )
    if outcome.kind == CheckInFailure.UNKNOWN_CODE:
        form.add_error("code", outcome.message)
        return render(request, "technicians/check_in_code.html", {"form": form}, status=404)
    return render(request, "technicians/check_in.html", {"outcome": outcome}, status=outcome.status)
