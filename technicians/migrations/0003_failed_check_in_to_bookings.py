from django.db import migrations


class Migration(migrations.Migration):
    """Failed check-ins move to the bookings app (bookings 0008 takes the model over).

    The table is renamed to `bookings_failedcheckin`, the name Django gives the model in its new
    app, rather than kept with a `db_table` option: the model then reads like every other one and
    nobody has to remember why its table carries another app's name. Renaming keeps every row,
    and the index keeps its explicit name. Only the model's state leaves this app; nothing is
    dropped.
    """

    dependencies = [
        ("technicians", "0002_failed_check_in"),
    ]

    operations = [
        migrations.AlterModelTable(name="failedcheckin", table="bookings_failedcheckin"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="FailedCheckIn")],
        ),
    ]
