from django.db import migrations

INDEX = "booking_active_time_idx"

ADD = f"""
CREATE INDEX {INDEX} ON bookings_booking
USING gist (tstzrange(scheduled_start, scheduled_end, '[)'))
WHERE (technician_id IS NOT NULL AND status IN ('pending', 'confirmed', 'in_progress'))
"""

DROP = f"DROP INDEX IF EXISTS {INDEX}"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    """The active visits that meet a stretch of time, whoever's they are: the free times' busy visits.

    The no-overlap constraint's index (0004) leads with the technician, so a question about a day
    alone walks most of its pages (every technician's subtree reaches into that day); an index of the
    time range alone, with the same partial predicate, reads only the pages of that day. PostgreSQL
    only and kept out of the model's Meta, as the constraint is, so that migrations stay the same on
    both databases.
    """

    dependencies = [("bookings", "0017_page_stamps")]

    operations = [migrations.RunPython(add_index, drop_index)]
