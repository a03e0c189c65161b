from django.template.loader import render_to_string

from accounts.personal_data import PersonalData
from earnings import selectors
from earnings.models import EarningStatus, TechnicianEarnings
from earnings.services import earning_create_for_booking
from homecure.base.page_cache import instant_sql, rows_stamp, table_of
from technicians.selectors import technician_id_sql


def create_earning(sender, booking, **kwargs):
    earning_create_for_booking(booking=booking)


def dashboard_panel(sender, technician, now, **kwargs):
    """This month's earnings on the technician's portal dashboard."""
    totals = selectors.totals_for(technician, now=now)
    return render_to_string("earnings/_dashboard_panel.html", {"totals": totals})


def dashboard_sources(sender, user, now, **kwargs):
    """What `dashboard_panel` shows: this month's earnings and the balance, which is the sum of the
    earnings not yet paid. An earning paid before this month shows nowhere on the panel; one that
    is paid or opened again leaves or joins the open ones, which moves their count."""
    technician = f"technician_id = {technician_id_sql()}"
    this_month = f"{technician} AND created_at >= {instant_sql(selectors.month_start(now))}"
    # The status written out, as the partial index's condition is, so that the plan uses the index.
    open_ = f"{technician} AND payment_status <> '{EarningStatus.PAID}'"
    return [
        rows_stamp(table_of(TechnicianEarnings), this_month, [user.pk]),
        rows_stamp(table_of(TechnicianEarnings), open_, [user.pk]),
    ]


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    return PersonalData(
        left_out={
            "earnings.technicianearnings": "The technician's pay for a visit; "
            "the patient's price and payment are in bookings.",
            "earnings.payout": "A settlement between the platform and a technician; "
            "the administrator who recorded it is named in the audit log.",
        }
    )
