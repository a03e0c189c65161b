from django.contrib import messages
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.decorators import technician_required
from bookings import services
from bookings.models import Booking


@never_cache
@technician_required
def check_in(request, token):
    """The page a booking's QR code opens: the assigned technician checks in with one button.

    GET only shows the visit; the check-in itself is a POST, so a link preview or a prefetch
    cannot start a visit.
    """
    booking = (
        Booking.objects.select_related("service", "service_area", "technician__user", "user")
        .filter(qr_code_data=token)
        .first()
    )
    error = None
    if booking is None:
        error = _("This code does not belong to any booking. Check the code and try again.")
    elif booking.technician is None or booking.technician.user_id != request.user.pk:
        error = _("This visit is not assigned to you.")
        booking = None
    elif request.method == "POST":
        try:
            booking = services.booking_check_in(booking=booking, actor=request.user)
        except services.BookingError as failure:
            error = failure.message
        else:
            messages.success(request, _("Checked in. The visit has started."))
    status = 200 if error is None else 409 if booking is not None else 404
    return render(request, "technicians/check_in.html", {"booking": booking, "error": error}, status=status)
