"""Volunteers are listed in pinyin order: a sort key beside the name, filled for everyone."""

from django.db import migrations, models

from community.sorting import pinyin_key


def fill(apps, schema_editor):
    Volunteer = apps.get_model("volunteers", "Volunteer")
    volunteers = list(Volunteer.objects.only("pk", "name"))
    for volunteer in volunteers:
        volunteer.name_sort = pinyin_key(volunteer.name)
    Volunteer.objects.bulk_update(volunteers, ["name_sort"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0005_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="volunteer",
            name="name_sort",
            field=models.CharField(
                db_index=True,
                default="",
                editable=False,
                max_length=200,
                verbose_name="name in pinyin",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="volunteer",
            options={
                "ordering": ["community_id", "name_sort", "id"],
                "verbose_name": "volunteer",
                "verbose_name_plural": "volunteers",
            },
        ),
        migrations.AlterModelOptions(
            name="teammember",
            options={
                "ordering": ["team_id", "volunteer__name_sort", "id"],
                "verbose_name": "team member",
                "verbose_name_plural": "team members",
            },
        ),
    ]
