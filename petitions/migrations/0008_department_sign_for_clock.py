from datetime import timedelta

from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def forwards(apps, schema_editor):
    """Work orders waiting to be signed for run on the department's sign-for limit.

    An order still within its sign-for limit (``sign_by`` ahead) gets it as its
    clock, a new cycle of one warning and one breach per level, timed from its
    dispatch as ``workflow._start_clock`` does; the handling deadline it ran on
    stays what was promised (``promised_at``). An order already past its
    sign-for limit keeps the handling clock it had: switching it would breach
    it on the next sweep, and possibly climb to the street lead a minute later,
    for lateness that happened before the rule existed (the response rate
    counts it already). A hold stays as it was.
    """
    Petition = apps.get_model("petitions", "Petition")
    PetitionEvent = apps.get_model("petitions", "PetitionEvent")
    at = timezone.now()
    waiting = Petition.objects.filter(status="dispatched", sign_by__isnull=False)
    waiting.filter(promised_at__isnull=True).update(promised_at=F("due_at"))
    for p in waiting.filter(sign_by__gt=at).iterator():
        dispatched = (
            PetitionEvent.objects.filter(petition=p, action="dispatch")
            .order_by("-created_at", "-id")
            .values_list("created_at", flat=True)
            .first()
        ) or p.updated_at
        window = max(p.sign_by - dispatched, timedelta(0))
        p.due_at = p.sign_by
        p.warn_at = p.sign_by - min(window / 4, timedelta(hours=24))
        p.warned = False
        p.breach_level = 0
        p.deadline_cycle += 1
        p.save(update_fields=["due_at", "warn_at", "warned", "breach_level", "deadline_cycle"])


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0007_verbose_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="stagelimit",
            name="stage",
            field=models.CharField(
                choices=[
                    ("submitted", "The grid worker accepts (sign-for limit)"),
                    ("accepted", "The community reviews and decides"),
                    ("escalated", "The street dispatches"),
                    ("dispatched", "The department signs for the order (sign-for limit)"),
                    ("replied", "The street reviews the department's reply"),
                    ("resolved", "The grid calls the resident back"),
                ],
                max_length=20,
                verbose_name="desk",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
