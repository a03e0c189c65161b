"""The pages of care plans (visit series): the patient's request, proposal and plan page, and the
technician's view of a plan in the portal with its "accept all" button."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import patient_required
from bookings import selectors, series, services
from bookings.forms import SeriesCancelForm, SeriesForm
from bookings.models import ACTIVE_STATUSES, BookingStatus, PaymentMethod, SeriesRepeat, Service
from homecure.base.dates import format_when
from technicians.decorators import technician_profile_required


def _moves(post) -> dict[date, datetime]:
    """The alternatives the patient chose on the proposal page: planned date -> new start.
    Anything that does not parse is left out (the date then stays a problem)."""
    moves = {}
    for key, value in post.items():
        if not key.startswith("move-") or not value:
            continue
        try:
            day, start = date.fromisoformat(key[5:]), datetime.fromisoformat(value)
        except ValueError:
            continue
        # An alternative lies within a few days of its date; anything else was not offered.
        if timezone.is_aware(start) and abs((start.date() - day).days) <= series.ALTERNATIVE_DAYS + 1:
            moves[day] = start
    return moves


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _fingerprint(proposal: series.Proposal) -> dict[str, str]:
    """What the patient was shown, per planned date: the start and the technician."""
    return {v.day.isoformat(): f"{v.start.isoformat()}|{v.technician.pk}" for v in proposal.placed}


@never_cache
@patient_required
def series_new(request, slug):
    """Ask for a care plan, see the proposal (and choose alternatives), then confirm it."""
    service = get_object_or_404(Service, slug=slug, is_active=True)
    if request.method != "POST":
        initial = {
            "area": request.user.area_id,
            "address": request.user.address,
            "request_token": uuid.uuid4(),
            "payment_method": PaymentMethod.CASH,
            "repeat": SeriesRepeat.WEEKDAYS,
            "interval_days": 2,
        }
        return _render_form(request, service, SeriesForm(service=service, initial=initial))
    existing = _series_of_request(request)
    if existing is not None:
        return redirect(existing)
    form = SeriesForm(request.POST, service=service)
    action = request.POST.get("action", "propose")
    if not form.is_valid() or action == "change":
        return _render_form(request, service, form)
    asked = form.series_request()
    moves = _moves(request.POST)
    proposal = asked.propose(moves=moves)
    if action != "confirm":
        return _render_proposal(request, service, form, proposal)
    seen = {key[5:]: value for key, value in request.POST.items() if key.startswith("seen-")}
    fresh = _fingerprint(proposal)
    changed = {day for day in seen.keys() | fresh.keys() if seen.get(day) != fresh.get(day)}
    if changed:
        proposal = asked.propose(moves=moves, taken={_day(d) for d in changed} - {None})
        messages.warning(request, _("Something changed since you looked: please check the plan again."))
        return _render_proposal(request, service, form, proposal)
    try:
        plan = series.series_create(
            patient=request.user, request=asked, proposal=proposal, request_token=form.cleaned_data["request_token"]
        )
    except series.SeriesSlotsTaken as error:
        messages.error(request, error.message)
        return _render_proposal(request, service, form, asked.propose(moves=moves, taken=set(error.days)))
    except services.BookingError as error:
        messages.error(request, error.message)
        return _render_proposal(request, service, form, proposal)
    messages.success(
        request,
        _("Your care plan is booked. We will let you know as soon as the technician confirms the visits."),
    )
    return redirect(plan)


def _series_of_request(request):
    try:
        token = uuid.UUID(request.POST.get("request_token", ""))
    except ValueError:
        return None
    return request.user.visit_series.filter(request_token=token).first()


def _render_form(request, service, form):
    return render(request, "bookings/series_new.html", {"service": service, "form": form})


def _render_proposal(request, service, form, proposal):
    context = {
        "service": service,
        "form": form,
        "proposal": proposal,
        "fingerprint": _fingerprint(proposal),
    }
    return render(request, "bookings/series_proposal.html", context)


@never_cache
@patient_required
def series_detail(request, reference):
    plan = selectors.get_series_for_patient(request.user, reference)
    visits = list(selectors.series_visits(plan))
    now = timezone.now()
    cancellable = [v for v in visits if services.can_cancel(v, request.user, now=now)]
    form = None
    if cancellable:
        form = SeriesCancelForm(
            visits=plan.visits.filter(pk__in=[v.pk for v in cancellable]).order_by("scheduled_start")
        )
    context = {
        "plan": plan,
        "visits": visits,
        "active": sum(1 for v in visits if v.status in ACTIVE_STATUSES),
        "cancel_form": form,
        "later_dates": [date.fromisoformat(d) for d in plan.later_dates],
        "unplaced_dates": [date.fromisoformat(d) for d in plan.unplaced_dates],
    }
    return render(request, "bookings/series_detail.html", context)


@require_POST
@patient_required
def series_cancel(request, reference):
    """Cancel one visit of the plan, or it and every later one; visits past their deadline are kept and named."""
    plan = selectors.get_series_for_patient(request.user, reference)
    form = SeriesCancelForm(request.POST, visits=plan.visits.filter(status__in=ACTIVE_STATUSES))
    if not form.is_valid():
        messages.error(request, _("Choose a visit and tell us why you are cancelling."))
        return redirect(plan)
    data = form.cleaned_data
    try:
        cancelled, left = series.series_cancel(
            booking=data["visit"],
            actor=request.user,
            reason=data["reason"],
            later=data["scope"] == SeriesCancelForm.LATER,
        )
    except services.BookingError as error:
        messages.error(request, error.message)
        return redirect(plan)
    if cancelled:
        messages.success(
            request,
            ngettext("%(count)s visit is cancelled.", "%(count)s visits are cancelled.", len(cancelled))
            % {"count": len(cancelled)},
        )
    if left:
        when = ", ".join(format_when(v.scheduled_start, "short_weekday_time") for v in left)
        messages.warning(
            request,
            _("These visits are past their free cancellation time and were kept: %(when)s. Please contact us.")
            % {"when": when},
        )
    return redirect(plan)


# --- The technician portal ---------------------------------------------------------------------------------


@never_cache
@technician_profile_required
def portal_series(request, technician, reference):
    plan, visits = selectors.get_series_for_technician(technician, reference)
    visits = list(visits)
    context = {
        "technician": technician,
        "plan": plan,
        "visits": visits,
        "pending": sum(1 for v in visits if v.status == BookingStatus.PENDING),
    }
    return render(request, "bookings/portal/series.html", context)


@require_POST
@technician_profile_required
def portal_series_accept(request, technician, reference):
    plan, _visits = selectors.get_series_for_technician(technician, reference)
    accepted, refused = series.series_accept(series=plan, actor=request.user)
    if accepted:
        messages.success(
            request,
            ngettext(
                "%(count)s visit accepted. The patient has been told.",
                "%(count)s visits accepted. The patient has been told.",
                accepted,
            )
            % {"count": accepted},
        )
    for line in refused:
        messages.error(request, line)
    if not accepted and not refused:
        messages.info(request, _("No visit of this plan waits for your answer."))
    return redirect("portal:series", reference=reference)
