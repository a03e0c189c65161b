"""A booking's area is now `accounts.ServiceArea`, the same table under its new app (see
`accounts.0004_servicearea`): only Django's picture of the foreign key changes, not the column
or its constraint."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_servicearea'),
        ('bookings', '0010_remove_failedcheckin_booking_reference'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='booking',
                    name='service_area',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='accounts.servicearea', verbose_name='area'),
                ),
            ],
            database_operations=[],
        ),
    ]
