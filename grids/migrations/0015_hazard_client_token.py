"""A hazard carries the token of the form (or app call) that reported it: a second
send with the same token finds the first hazard instead of making another.

Existing hazards each get a token of their own (a callable default on AddField is
called once, which would give every row the same one and break the constraint)."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    Hazard = apps.get_model("grids", "Hazard")
    rows = list(Hazard.objects.only("pk"))
    for row in rows:
        row.client_token = uuid.uuid4()
    Hazard.objects.bulk_update(rows, ["client_token"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0014_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="hazard",
            name="client_token",
            field=models.UUIDField(editable=False, null=True, verbose_name="client token"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="hazard",
            name="client_token",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, verbose_name="client token"
            ),
        ),
        migrations.AddConstraint(
            model_name="hazard",
            constraint=models.UniqueConstraint(
                fields=("reported_by", "client_token"), name="hazard_token_unique"
            ),
        ),
    ]
