"""The patient's waitlist pages: join, "My waitlist" (with removal), and the page of an offered time.

The offer page's GET only shows; its one button posts, and books through `bookings.waitlist.waitlist_book`.
"""

from contextlib import suppress
from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import patient_required
from accounts.models import ServiceArea
from bookings import waitlist
from bookings.forms import WaitlistForm
from bookings.models import Service
from homecure.base.errors import ServiceError


def _initial(request) -> dict:
    """The join form's first values: the patient's own area and address, and what the booking form
    had chosen (service, area, day) when it found no free time."""
    initial = {"area": request.user.area_id, "address": request.user.address, "first_day": timezone.localdate()}
    query = request.GET
    if slug := query.get("service", "")[:140]:
        initial["service"] = Service.objects.filter(slug=slug, is_active=True).values_list("pk", flat=True).first()
    if (area := query.get("area", "")).isdigit() and len(area) < 10:
        initial["area"] = ServiceArea.objects.filter(pk=int(area), is_active=True).values_list("pk", flat=True).first()
    with suppress(ValueError):  # no day, or an unreadable one: today
        initial["first_day"] = date.fromisoformat(query.get("day", "")[:10])
    return initial


@never_cache
@patient_required
def waitlist_join(request):
    if request.method != "POST":
        return render(request, "bookings/waitlist_join.html", {"form": WaitlistForm(initial=_initial(request))})
    form = WaitlistForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            waitlist.waitlist_join(
                patient=request.user,
                service=data["service"],
                area=data["area"],
                address=data["address"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                day_part=data["day_part"],
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("You are on the waitlist. We will tell you as soon as a time opens."))
            return redirect("bookings:waitlist")
    return render(request, "bookings/waitlist_join.html", {"form": form})


@never_cache
@patient_required
def waitlist_list(request):
    now = timezone.now()
    entries = list(waitlist.entries_for_patient(request.user))
    return render(request, "bookings/waitlist.html", {"entries": entries, "now": now})


@require_POST
@patient_required
def waitlist_remove(request, pk):
    entry = waitlist.get_entry_for_patient(request.user, pk)
    waitlist.waitlist_remove(entry=entry, actor=request.user)
    messages.success(request, _("You are off the waitlist for %(service)s.") % {"service": entry.service})
    return redirect("bookings:waitlist")


@never_cache
@patient_required
def waitlist_offer(request, pk):
    """A freed time offered to the patient: GET shows it with "Book this time"; POST books it (or,
    when it was just taken, another time of that day the page listed)."""
    offer = waitlist.get_offer_for_patient(request.user, pk)
    if request.method == "POST":
        start = waitlist.parse_start(request.POST.get("start", "")) if request.POST.get("start") else None
        if request.POST.get("start") and start is None:
            messages.error(request, _("Choose one of the times shown."))
            return redirect("bookings:waitlist-offer", pk=offer.pk)
        try:
            booking = waitlist.waitlist_book(offer=offer, actor=request.user, start=start)
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("bookings:waitlist-offer", pk=offer.pk)
        messages.success(request, _("Your visit is booked. We will let you know as soon as the technician confirms."))
        return redirect(booking)
    state = waitlist.offer_state(offer)
    return render(request, "bookings/waitlist_offer.html", {"offer": offer, "entry": offer.entry, "state": state})
