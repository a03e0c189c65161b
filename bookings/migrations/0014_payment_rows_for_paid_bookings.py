"""Payment rows for the bookings paid or refunded before payments were rows.

Each paid or refunded booking gets its charge (by its payment method: online through the test
gateway, else collected at the door) and each refunded one its refund, settled when the booking was
completed, cancelled or last changed, in that order of preference. Receipts and credit notes are
numbered per year in the order the bookings last changed, continuing any counter that exists.
"""

from django.db import migrations
from django.utils import timezone


def _next_number(DocumentCounter, series, at):
    year = timezone.localtime(at).year
    counter, _created = DocumentCounter.objects.get_or_create(series=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"HC-{series}-{year}-{counter.last_number:06d}"


def forwards(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    Payment = apps.get_model("bookings", "Payment")
    DocumentCounter = apps.get_model("bookings", "DocumentCounter")
    SystemSettings = apps.get_model("homecure", "SystemSettings")
    currency_row = SystemSettings.objects.filter(key="currency").first()
    currency = (currency_row.value if currency_row else "") or "USD"
    paid = (
        Booking.objects.filter(payment_status__in=("paid", "refunded"), payments__isnull=True)
        .order_by("updated_at", "pk")
        .iterator(chunk_size=500)
    )
    for booking in paid:
        settled = booking.completed_at or booking.cancelled_at or booking.updated_at
        online = booking.payment_method == "online"
        Payment.objects.create(
            booking=booking,
            kind=booking.payment_method,
            state="confirmed",
            amount=booking.total_amount,
            currency=currency,
            provider="sandbox" if online else "door",
            provider_reference=booking.payment_reference,
            created_at=settled,
            settled_at=settled,
            number=_next_number(DocumentCounter, "R", settled),
        )
        if booking.payment_status == "refunded":
            Payment.objects.create(
                booking=booking,
                kind="refund",
                state="confirmed",
                amount=booking.total_amount,
                currency=currency,
                provider="sandbox" if online else "office",
                reason=booking.cancellation_reason[:500],
                created_at=settled,
                settled_at=settled,
                number=_next_number(DocumentCounter, "C", settled),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0013_payments"),
        ("homecure", "0005_scheduled_job_run"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
