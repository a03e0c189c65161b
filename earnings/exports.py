"""The earnings CSV, one writer for the technician's download and the back office's export.

Dates are ISO (YYYY-MM-DD) and times are local "YYYY-MM-DD HH:MM", so both files sort and load
into a spreadsheet the same way; every cell goes through `safe_cell`. "Balance" is what the visit
adds to the technician's balance: positive when the platform owes them, negative when they owe
the platform its commission on money collected at the door; the column sums to the balance.
"""

import csv
from collections.abc import Callable, Iterable
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from earnings.models import TechnicianEarnings
from homecure.base.csv_cells import safe_cell

Column = tuple[str, Callable[[TechnicianEarnings], object]]


def _local_date(value: datetime) -> str:
    return timezone.localtime(value).date().isoformat()


def _local_time(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


PAYOUT_COLUMNS: list[Column] = [
    (_("Amount"), lambda earning: earning.amount),
    (_("Commission rate"), lambda earning: earning.commission_rate),
    (_("Commission"), lambda earning: earning.commission_amount),
    (_("Net"), lambda earning: earning.net_earnings),
    (_("Paid by the patient"), lambda earning: earning.get_collected_by_display()),
    (_("Collected at the door"), lambda earning: earning.collected_amount),
    (_("Owed to the platform"), lambda earning: earning.owed_to_platform),
    (_("Balance"), lambda earning: earning.balance_amount),
    (_("Payout status"), lambda earning: earning.get_payment_status_display()),
    (_("Hold or release reason"), lambda earning: earning.hold_note),
    (_("Settled at"), lambda earning: _local_time(earning.payment_date)),
    (_("Payout method"), lambda earning: earning.get_payment_method_display()),
    (_("Transaction id"), lambda earning: earning.transaction_id),
]

#: The technician's own file: when each earning was made and for which service.
TECHNICIAN_COLUMNS: list[Column] = [
    (_("Date"), lambda earning: _local_date(earning.created_at)),
    (_("Booking"), lambda earning: earning.booking.reference),
    (_("Service"), lambda earning: earning.booking.service.name),
    *PAYOUT_COLUMNS,
]

#: The back office's file: whose earning it is and the day of the visit.
OFFICE_COLUMNS: list[Column] = [
    (_("Visit"), lambda earning: earning.booking.reference),
    (_("Visit date"), lambda earning: earning.booking.scheduled_date.isoformat()),
    (_("Technician"), lambda earning: earning.technician.user.get_full_name()),
    (_("Technician e-mail"), lambda earning: earning.technician.user.email),
    *PAYOUT_COLUMNS,
]


def earnings_csv_response(earnings: Iterable[TechnicianEarnings], *, columns: list[Column]) -> HttpResponse:
    """A CSV download of `earnings`, one row each, named after today's date."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="homecure-earnings-{timezone.localdate():%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow([str(header) for header, _value in columns])
    for earning in earnings:
        writer.writerow([safe_cell(value(earning)) for _header, value in columns])
    return response
