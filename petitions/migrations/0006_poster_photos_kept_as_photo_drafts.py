# The poster report's photos are kept as every refused form keeps them
# (community.PhotoDraft, without an owner); the photos of drafts still waiting
# at the code are moved, not lost.

import django.db.models.deletion
from django.db import migrations, models


def move_photos(apps, schema_editor):
    PosterDraft = apps.get_model("petitions", "PosterDraft")
    PosterDraftPhoto = apps.get_model("petitions", "PosterDraftPhoto")
    PhotoDraft = apps.get_model("community", "PhotoDraft")
    PhotoDraftPhoto = apps.get_model("community", "PhotoDraftPhoto")
    for draft in PosterDraft.objects.filter(
        pk__in=PosterDraftPhoto.objects.values("draft")
    ).iterator():
        kept = PhotoDraft.objects.create(
            owner=None, purpose="petitions.poster", created_at=draft.created_at
        )
        PhotoDraftPhoto.objects.bulk_create(
            PhotoDraftPhoto(draft=kept, data=row.data, width=row.width, height=row.height)
            for row in PosterDraftPhoto.objects.filter(draft=draft).order_by("id")
        )
        draft.photo_draft = kept
        draft.save(update_fields=["photo_draft"])


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0006_photo_drafts"),
        ("petitions", "0005_desk_clocks"),
    ]

    operations = [
        migrations.AddField(
            model_name="posterdraft",
            name="photo_draft",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="community.photodraft",
            ),
        ),
        migrations.RunPython(move_photos, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="PosterDraftPhoto",
        ),
    ]
