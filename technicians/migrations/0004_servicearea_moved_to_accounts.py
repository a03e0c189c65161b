"""Service areas moved to accounts (see `accounts.0004_servicearea`); the technicians app only
points at them now.

Only Django's picture of the models changes. The areas a technician serves keep their table,
`technicians_technician_service_areas`, and its columns `technician_id` and `servicearea_id`,
which Django names after the two models whatever app the area model is in. The model is removed
from this app last, after every relation to it (a user's area, a booking's area) points at
`accounts.ServiceArea`, and without touching the table, which is now that model's.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_servicearea'),
        ('bookings', '0011_service_area_in_accounts'),
        ('technicians', '0003_failed_check_in_to_bookings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='technician',
                    name='service_areas',
                    field=models.ManyToManyField(blank=True, related_name='technicians', to='accounts.servicearea', verbose_name='service areas'),
                ),
                migrations.DeleteModel(
                    name='ServiceArea',
                ),
            ],
            database_operations=[],
        ),
    ]
