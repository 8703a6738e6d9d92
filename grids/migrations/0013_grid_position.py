"""Grids are listed in their natural order (第一、第二、第三): a position, taken from
the number in the name, or else in the order the grids were made."""

from django.db import migrations, models

from community.sorting import number_in_name


def fill(apps, schema_editor):
    Grid = apps.get_model("grids", "Grid")
    last: dict[int, int] = {}
    grids = list(Grid.objects.order_by("community_id", "pk"))
    for grid in grids:  # numbered ones first, so an unnumbered grid follows them
        grid.position = number_in_name(grid.name) or 0
        last[grid.community_id] = max(last.get(grid.community_id, 0), grid.position)
    for grid in grids:
        if not grid.position:
            last[grid.community_id] += 1
            grid.position = last[grid.community_id]
    Grid.objects.bulk_update(grids, ["position"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0012_work_log_five_diligences"),
    ]

    operations = [
        migrations.AddField(
            model_name="grid",
            name="position",
            field=models.PositiveIntegerField(
                default=0,
                help_text=(
                    "Grids are listed by this number within their community and kind. "
                    "Left at 0, it is the number in the name (第三网格: 3), or else the next "
                    "after the community's last grid."
                ),
                verbose_name="list position",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="grid",
            options={
                "ordering": ["community_id", "kind", "position", "name"],
                "verbose_name": "grid",
                "verbose_name_plural": "grids",
            },
        ),
    ]
