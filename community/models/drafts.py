"""Photos chosen on a form that was refused, kept until the form is sent again.

A browser cannot keep a chosen file across pages: when a form comes back with
an error, the file inputs are empty. So every form that takes photos keeps the
photos it accepted here, cleaned (``community.images.clean_photo``), and the
page carries only a signed token of the draft in a hidden field; the form shows
them as thumbnails, each with a box to remove it. Filing takes them out in the
filing's transaction (``community.services.photo_drafts``), so they are attached
once; the hourly sweep deletes drafts left for a day. The photos are kept in the
row as bytes, not as files: a draft never filed leaves no file behind.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models.people import User

# A draft left this long is swept; its token then opens nothing.
PHOTO_DRAFT_LIFETIME = timedelta(hours=24)
PHOTO_DRAFT_SALT = "community.photo-draft"


def photo_draft_sign(token: uuid.UUID) -> str:
    """A draft's token as the browser holds it (signed, so no one guesses another's)."""
    return signing.Signer(salt=PHOTO_DRAFT_SALT).sign(token.hex)


def photo_draft_unsign(signed: str) -> uuid.UUID | None:
    """The draft token behind a signed one; None when it is forged or garbled."""
    try:
        return uuid.UUID(hex=signing.Signer(salt=PHOTO_DRAFT_SALT).unsign(signed))
    except (signing.BadSignature, ValueError):
        return None


class PhotoDraft(models.Model):
    """The photos kept for one form, for one person (or, without an account, for the
    holder of the signed token: the poster report)."""

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    # Empty for a report from a building poster, made without an account; a
    # signed-in person's form opens only their own drafts.
    owner = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    # Which form the photos were chosen on: a token from one form does not open on another.
    purpose = models.CharField(_("which form"), max_length=40)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("kept photos")
        verbose_name_plural = _("kept photos")

    def __str__(self) -> str:
        return f"{self.purpose} · {self.created_at:%Y-%m-%d %H:%M}"


class PhotoDraftPhoto(models.Model):
    """One cleaned photo of a draft (see community.images.clean_photo)."""

    draft = models.ForeignKey(
        PhotoDraft, on_delete=models.CASCADE, related_name="photos", verbose_name=_("kept photos")
    )
    data = models.BinaryField(_("data"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))

    class Meta:
        verbose_name = _("kept photo")
        verbose_name_plural = _("kept photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.draft_id} · {self.pk}"
