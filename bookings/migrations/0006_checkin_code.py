import secrets

from django.db import migrations, models

# The alphabet of booking references and check-in codes: no 0 or O, no 1 or I.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def give_confirmed_bookings_a_code(apps, schema_editor):
    """Visits confirmed before codes existed get one, so their technician can type it too."""
    Booking = apps.get_model("bookings", "Booking")
    taken = set()
    for booking in Booking.objects.filter(status="confirmed", checkin_code__isnull=True).only("pk"):
        code = None
        while code is None or code in taken:
            code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        taken.add(code)
        Booking.objects.filter(pk=booking.pk).update(checkin_code=code)


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0005_payment_reference"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="checkin_code",
            field=models.CharField(
                blank=True, editable=False, max_length=8, null=True, unique=True, verbose_name="check-in code"
            ),
        ),
        migrations.RunPython(give_confirmed_bookings_a_code, migrations.RunPython.noop),
    ]
