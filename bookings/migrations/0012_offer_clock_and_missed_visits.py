import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def start_offer_clocks(apps, schema_editor):
    """A pending visit offered before the offer clock existed was offered at its latest status
    change (the request, a decline or an assignment): its time to accept counts from there."""
    Booking = apps.get_model("bookings", "Booking")
    History = apps.get_model("bookings", "BookingStatusHistory")
    waiting = Booking.objects.filter(status="pending", technician__isnull=False, offered_at__isnull=True)
    for booking in waiting.iterator():
        last = History.objects.filter(booking=booking).order_by("-created_at", "-pk").first()
        booking.offered_at = last.created_at if last else booking.created_at
        booking.save(update_fields=["offered_at"])


class Migration(migrations.Migration):
    """When the current offer was made, when a confirmed visit was flagged as not attended, and the
    technicians' missed visits."""

    dependencies = [
        ('accounts', '0004_servicearea'),
        ('bookings', '0011_service_area_in_accounts'),
        ('technicians', '0004_servicearea_moved_to_accounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MissedVisit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scheduled_start', models.DateTimeField(verbose_name='visit was due')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded')),
            ],
            options={
                'verbose_name': 'missed visit',
                'verbose_name_plural': 'missed visits',
                'ordering': ['-scheduled_start'],
            },
        ),
        migrations.AddField(
            model_name='booking',
            name='not_attended_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='flagged as not attended'),
        ),
        migrations.AddField(
            model_name='booking',
            name='offered_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='offered'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(fields=['status', 'offered_at'], name='booking_status_offered_idx'),
        ),
        migrations.AddField(
            model_name='missedvisit',
            name='booking',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='missed_visit', to='bookings.booking', verbose_name='booking'),
        ),
        migrations.AddField(
            model_name='missedvisit',
            name='technician',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='technicians.technician', verbose_name='technician'),
        ),
        migrations.AddIndex(
            model_name='missedvisit',
            index=models.Index(fields=['technician', '-scheduled_start'], name='missed_visit_tech_idx'),
        ),
        migrations.RunPython(start_offer_clocks, migrations.RunPython.noop),
    ]
