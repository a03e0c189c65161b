from django.db import migrations


class Migration(migrations.Migration):
    """The string reference of a failed check-in's booking is replaced by the foreign key (0009)."""

    dependencies = [
        ("bookings", "0009_failed_check_in_booking_filled"),
    ]

    operations = [
        migrations.RemoveField(model_name="failedcheckin", name="booking_reference"),
    ]
