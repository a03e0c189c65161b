from django.db import migrations

CONSTRAINT = "booking_technician_no_overlap"

ADD = f"""
ALTER TABLE bookings_booking ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (
    technician_id WITH =,
    tstzrange(scheduled_start, scheduled_end, '[)') WITH &&
)
WHERE (technician_id IS NOT NULL AND status IN ('pending', 'confirmed', 'in_progress'))
"""

DROP = f"ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    """The database itself refuses two active bookings of one technician whose visits overlap.

    PostgreSQL only (an exclusion constraint over a time range, with btree_gist for the equality
    on the technician). SQLite has no such constraint; there the booking service's IMMEDIATE
    transactions serialize the re-check and the insert. The constraint is kept out of the model's
    Meta so that migrations stay the same on both databases.
    """

    dependencies = [("bookings", "0003_request_token_and_declines")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
