from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class Migration(migrations.Migration):
    """On PostgreSQL, btree_gist lets one exclusion constraint combine the technician (equality)
    with the visit's time range (overlap). The operation does nothing on other databases."""

    dependencies = [("bookings", "0001_initial")]

    operations = [BtreeGistExtension()]
