"""On PostgreSQL, the database itself refuses to change or delete audit log entries.

The model and its queryset refuse too; the trigger also covers raw SQL and any code that goes
around them. Emptying the whole table (TRUNCATE, as a test database flush does) is not affected.
SQLite has no such protection beyond the model.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION homecure_adminlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log entries cannot be changed or deleted (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER homecure_adminlog_append_only
    BEFORE UPDATE OR DELETE ON homecure_adminlog
    FOR EACH ROW EXECUTE FUNCTION homecure_adminlog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS homecure_adminlog_append_only ON homecure_adminlog;
DROP FUNCTION IF EXISTS homecure_adminlog_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("homecure", "0003_adminlog_actor_protected")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
