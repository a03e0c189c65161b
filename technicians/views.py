"""The technician portal's pages about the technician: sign-up, profile, photo, schedule, time off
and availability. The visit pages (dashboard, jobs, check-in) are served by `bookings.portal_views`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.decorators import technician_required
from accounts.views import sign_up_page
from technicians import selectors, services
from technicians.decorators import technician_profile_required
from technicians.forms import (
    CertificationFormSet,
    ProfileForm,
    ScheduleFormSet,
    TechnicianSignUpForm,
    TimeOffForm,
    certification_initial,
)
from technicians.models import Technician, TimeOff

# --- Joining and the profile ----------------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
def join(request):
    """The public "Work with us" page: a technician account, opened once the e-mailed link confirms
    the address (`accounts:signup-confirm`, which then leads to the profile); the same flow as the
    patient sign-up (`accounts.views.sign_up_page`)."""
    return sign_up_page(
        request, form_class=TechnicianSignUpForm, sign_up=_sign_up_technician, template_name="technicians/join.html"
    )


def _sign_up_technician(data):
    technician = services.technician_sign_up(
        email=data["email"],
        password=data["password1"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        phone=data["phone"],
        specialization=data["specialization"],
        license_number=data["license_number"],
    )
    return technician.user if technician else None


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
            count = selectors.visits_on_days(technician, start_date=data["start_date"], end_date=data["end_date"])
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
