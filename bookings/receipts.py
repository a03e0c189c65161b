"""Receipts and credit notes: their gap-free numbers and their PDF.

Each confirmed charge has a receipt (`HC-R-2026-000123`), each confirmed refund a credit note
(`HC-C-2026-000001`): two series, each numbered from 1 every calendar year (in the platform's time
zone) with no gap and no duplicate. The number is taken in the transaction that records the money
(`bookings.payments`), from a counter row locked with SELECT ... FOR UPDATE: a transaction that
rolls back gives its number back, and two at once queue on the lock.

The PDF is rendered from the template `bookings/receipt.html` by fpdf2 (pure Python) with its
built-in Helvetica, which covers Latin-1: a character outside it is printed without its accent, or
as "?" when it has no Latin-1 form. A receipt carries the platform's name and address, the patient's
name, the service, the dates, the amounts and the currency; never anything from the health record.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone
from fpdf import FPDF

from bookings.models import DocumentCounter
from homecure.base.system_settings import get_setting

if TYPE_CHECKING:
    from bookings.models import Payment


def allocate_number(series: str, *, at: datetime) -> str:
    """The next number of `series` in the year of `at`; call inside the transaction that keeps it."""
    year = timezone.localtime(at).year
    DocumentCounter.objects.get_or_create(series=series, year=year)
    counter = DocumentCounter.objects.select_for_update().get(series=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return document_number(series, year, counter.last_number)


def document_number(series: str, year: int, number: int) -> str:
    """How the `number`th document of `series` in `year` is printed: `HC-R-2026-000123`."""
    return f"HC-{series}-{year}-{number:06d}"


def _latin1(text: str) -> str:
    """`text` as Helvetica can print it: accents kept where Latin-1 has them, else dropped."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            char = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1") or "?"
        out.append(char)
    return "".join(out)


def document_context(payment: Payment) -> dict:
    booking = payment.booking
    receipt = None
    if payment.is_refund:
        receipt = booking.payments.exclude(kind="refund").filter(state="confirmed").order_by("settled_at", "pk").first()
    return {
        "payment": payment,
        "booking": booking,
        "receipt": receipt,
        "platform_name": get_setting("platform_name"),
        "platform_address": [line.strip() for line in str(get_setting("platform_address")).split(",")],
        "issued": timezone.localtime(payment.settled_at),
        "visit": timezone.localtime(booking.scheduled_start),
    }


def render_pdf(payment: Payment) -> bytes:
    """The receipt or credit note of a confirmed `payment`, as PDF bytes."""
    html = render_to_string("bookings/receipt.html", document_context(payment))
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"{payment.document_title} {payment.number}"))
    pdf.set_author(_latin1(str(get_setting("platform_name"))))
    pdf.set_creation_date(payment.settled_at)
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.write_html(_latin1(html))
    return bytes(pdf.output())
