"""Service areas belong to accounts: a place that patients and technicians alike refer to.

Only Django's picture of the models changes; the database is left as it is. The model keeps its
table, `technicians_servicearea`, through `db_table` rather than having it renamed: the rows, the
sequence of keys, the unique indexes and every foreign key pointing at the table (a user's area, a
booking's area, the technicians' areas served) stay untouched, so nothing is copied, locked or
rebuilt, and the move can be rolled back the same way. `technicians.0003` then removes the model
from the technicians app, once bookings point at the new one.

The content type moves with the model, so the administrators' permissions on service areas and the
admin's history of changes to them keep pointing at it.
"""

import django.db.models.deletion
from django.db import migrations, models


def _move_content_type(apps, schema_editor, *, source, target):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=target, model='servicearea').exists():
        content_types.filter(app_label=source, model='servicearea').update(app_label=target)


def content_type_to_accounts(apps, schema_editor):
    _move_content_type(apps, schema_editor, source='technicians', target='accounts')


def content_type_to_technicians(apps, schema_editor):
    _move_content_type(apps, schema_editor, source='accounts', target='technicians')


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_awaiting_confirmation'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('technicians', '0002_failed_check_in'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ServiceArea',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                        ('slug', models.SlugField(max_length=100, unique=True, verbose_name='slug')),
                        ('description', models.CharField(blank=True, max_length=255, verbose_name='description')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                    ],
                    options={
                        'verbose_name': 'service area',
                        'verbose_name_plural': 'service areas',
                        'db_table': 'technicians_servicearea',
                        'ordering': ['name'],
                    },
                ),
                migrations.AlterField(
                    model_name='user',
                    name='area',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='residents', to='accounts.servicearea', verbose_name='default area'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_accounts, content_type_to_technicians),
    ]
