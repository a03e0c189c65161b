from django.db import migrations
from django.db.models import OuterRef, Subquery


def link_bookings(apps, schema_editor):
    """Each failed check-in gets the booking its string reference names; a reference that matches
    no booking (deleted since, or never one) leaves the foreign key empty. One UPDATE in SQL."""
    FailedCheckIn = apps.get_model("bookings", "FailedCheckIn")
    Booking = apps.get_model("bookings", "Booking")
    FailedCheckIn.objects.exclude(booking_reference="").update(
        booking=Subquery(Booking.objects.filter(reference=OuterRef("booking_reference")).values("pk")[:1])
    )


def unlink_bookings(apps, schema_editor):
    FailedCheckIn = apps.get_model("bookings", "FailedCheckIn")
    Booking = apps.get_model("bookings", "Booking")
    FailedCheckIn.objects.filter(booking__isnull=False).update(
        booking_reference=Subquery(Booking.objects.filter(pk=OuterRef("booking_id")).values("reference")[:1])
    )


class Migration(migrations.Migration):
    """The data step of moving failed check-ins to a real foreign key, on its own so that on
    PostgreSQL the rows are written in another transaction than the column changes of 0008 and
    0010 (an ALTER TABLE after writes to a deferred foreign key in one transaction is refused)."""

    dependencies = [
        ("bookings", "0008_failed_check_in"),
    ]

    operations = [
        migrations.RunPython(link_bookings, unlink_bookings),
    ]
