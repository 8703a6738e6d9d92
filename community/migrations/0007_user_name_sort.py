"""People are listed in pinyin order: a sort key beside the name, filled for everyone."""

from django.db import migrations, models

from community.sorting import pinyin_key


def fill(apps, schema_editor):
    User = apps.get_model("community", "User")
    people = list(User.objects.only("pk", "name", "username"))
    for person in people:
        person.name_sort = pinyin_key(person.name or person.username)
    User.objects.bulk_update(people, ["name_sort"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0006_photo_drafts"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
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
            name="user",
            options={
                "ordering": ["name_sort", "id"],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
        ),
    ]
