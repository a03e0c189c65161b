from django.template.loader import render_to_string

from accounts.personal_data import PersonalData
from earnings import selectors
from earnings.models import TechnicianEarnings
from earnings.services import earning_create_for_booking
from homecure.base.page_cache import rows_stamp, table_of
from technicians.selectors import technician_id_sql


def create_earning(sender, booking, **kwargs):
    earning_create_for_booking(booking=booking)


def dashboard_panel(sender, technician, now, **kwargs):
    """This month's earnings on the technician's portal dashboard."""
    totals = selectors.totals_for(technician, now=now)
    return render_to_string("earnings/_dashboard_panel.html", {"totals": totals})


def dashboard_sources(sender, user, **kwargs):
    """What `dashboard_panel` shows: the technician's earnings (this month's, by the key's month)."""
    technician_id = technician_id_sql()
    return [rows_stamp(table_of(TechnicianEarnings), f"technician_id = {technician_id}", [user.pk])]


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    return PersonalData(
        left_out={
            "earnings.technicianearnings": "The technician's pay for a visit; "
            "the patient's price and payment are in bookings.",
            "earnings.payout": "A settlement between the platform and a technician; "
            "the administrator who recorded it is named in the audit log.",
        }
    )
