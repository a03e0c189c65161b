import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Failed check-ins belong to bookings now: the model's state arrives from technicians (whose
    0003 renamed the table to `bookings_failedcheckin`, so no rows move), then the booking gets a
    real foreign key next to the old string reference. 0009 fills it and 0010 drops the string.
    """

    dependencies = [
        ("bookings", "0007_scale_indexes"),
        ("technicians", "0003_failed_check_in_to_bookings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FailedCheckIn",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.CharField(max_length=100, verbose_name="code tried")),
                        ("method", models.CharField(choices=[("qr", "QR code scanned"), ("typed", "Code typed")], max_length=10, verbose_name="method")),
                        ("reason", models.CharField(choices=[("unknown_code", "Unknown code"), ("not_yours", "Not their booking"), ("not_verified", "Technician not verified or suspended"), ("not_confirmed", "Booking not confirmed yet"), ("cancelled", "Booking cancelled"), ("completed", "Visit already completed"), ("too_early", "Too early"), ("too_late", "Too late"), ("too_many_tries", "Too many wrong codes")], max_length=20, verbose_name="reason")),
                        ("booking_reference", models.CharField(blank=True, max_length=12, verbose_name="booking")),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                        ("user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="technician user")),
                    ],
                    options={
                        "verbose_name": "failed check-in",
                        "verbose_name_plural": "failed check-ins",
                        "ordering": ["-created_at"],
                        "indexes": [models.Index(fields=["user", "-created_at"], name="failed_checkin_user_idx")],
                    },
                ),
            ],
        ),
        migrations.AddField(
            model_name="failedcheckin",
            name="booking",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="failed_check_ins", to="bookings.booking", verbose_name="booking"),
        ),
    ]
