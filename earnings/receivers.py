from django.template.loader import render_to_string

from earnings import selectors
from earnings.services import earning_create_for_booking


def create_earning(sender, booking, **kwargs):
    earning_create_for_booking(booking=booking)


def dashboard_panel(sender, technician, now, **kwargs):
    """This month's earnings on the technician's portal dashboard."""
    totals = selectors.totals_for(technician, now=now)
    return render_to_string("earnings/_dashboard_panel.html", {"totals": totals})
