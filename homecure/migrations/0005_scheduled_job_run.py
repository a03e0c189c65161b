from django.db import migrations, models


def add_new_settings(apps, schema_editor):
    """Settings declared since 0002 (booking_offer_minutes) get their row in existing databases too."""
    from homecure.base.system_settings import SETTINGS

    SystemSettings = apps.get_model("homecure", "SystemSettings")
    for spec in SETTINGS.values():
        SystemSettings.objects.get_or_create(
            key=spec.key,
            defaults={
                "value": spec.serialize(spec.default),
                "data_type": spec.data_type,
                "category": spec.category,
                "description": spec.description,
                "is_editable": spec.is_editable,
            },
        )


class Migration(migrations.Migration):
    """The last run of each daily job of `run_scheduled`, and the rows of new settings."""

    dependencies = [
        ('homecure', '0004_adminlog_append_only_trigger'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScheduledJobRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='job')),
                ('last_run_at', models.DateTimeField(blank=True, null=True, verbose_name='last run')),
            ],
            options={
                'verbose_name': 'scheduled job run',
                'verbose_name_plural': 'scheduled job runs',
                'ordering': ['name'],
            },
        ),
        migrations.RunPython(add_new_settings, migrations.RunPython.noop),
    ]
