from django.db import migrations


def create_defaults(apps, schema_editor):
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
    dependencies = [("homecure", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
