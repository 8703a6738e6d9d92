"""The work log's kinds become the five diligences (五勤) the page quotes.

The old kinds each belong to one of the five: an errand or other service is
勤服务, a policy talk or a mediation on the spot is 勤说事, prevention advice is
勤防范. Going back, patrol and visit entries (new kinds) become "other".
"""

from django.db import migrations, models

FORWARD = {
    "errand": "serve",
    "other": "serve",
    "policy_talk": "talk",
    "mediation": "talk",
    "prevention": "prevent",
}
BACKWARD = {
    "serve": "errand",
    "talk": "policy_talk",
    "prevent": "prevention",
    "patrol": "other",
    "visit": "other",
}


def _remap(mapping):
    def run(apps, schema_editor):
        entries = apps.get_model("grids", "WorkLogEntry").objects
        for old, new in mapping.items():
            entries.filter(category=old).update(category=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0011_text_limits"),
    ]

    operations = [
        migrations.AlterField(
            model_name="worklogentry",
            name="category",
            field=models.CharField(
                choices=[
                    ("patrol", "Patrol"),
                    ("prevent", "Prevent"),
                    ("talk", "Talk things through"),
                    ("visit", "Visit"),
                    ("serve", "Serve"),
                ],
                max_length=20,
                verbose_name="category",
            ),
        ),
        migrations.RunPython(_remap(FORWARD), _remap(BACKWARD), elidable=False),
    ]
