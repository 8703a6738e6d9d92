"""Photos kept across a refused form: the helper every such view calls, and the
page that shows a kept photo's thumbnail (see community.services.photo_drafts)."""

from __future__ import annotations

from functools import cached_property

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from community import selectors, services
from community.errors import DomainError
from community.http import is_id
from community.images import thumbnail_bytes
from community.models import PhotoDraft, User

# The names the form's fields go by (templates/_photo_input.html).
TOKEN_FIELD = "photo_draft"  # noqa: S105 - a field name, not a secret
DROP_FIELD = "drop_photo"


class KeptPhotos:
    """What a form's page shows of the photos kept for it, and why a send of photos
    was refused (``error``, empty when it was not)."""

    def __init__(self, draft: PhotoDraft | None = None, error: str = "") -> None:
        self.draft = draft
        self.error = error

    @cached_property
    def token(self) -> str:
        return services.photo_draft_token(self.draft) if self.draft is not None else ""

    @cached_property
    def ids(self) -> list[int]:
        if self.draft is None:
            return []
        return list(self.draft.photos.values_list("pk", flat=True))

    def __len__(self) -> int:
        return len(self.ids)


def keep_photos(request: HttpRequest, *, purpose: str, owner: User | None) -> KeptPhotos:
    """On every send of a form with photos, before anything is filed: the photos kept
    (by the hidden token), less those ticked for removal, plus those chosen now.

    A token that opens nothing (a day old and swept, forged, another person's)
    is said, so no one files believing their photos went with it.
    """
    token = request.POST.get(TOKEN_FIELD, "")
    draft = None
    if token:
        draft = services.photo_draft_open(token=token, owner=owner, purpose=purpose)
        if draft is None:
            return KeptPhotos(
                None,
                _("The photos kept with this form are no longer kept; choose them again."),
            )
    drop = [int(v) for v in request.POST.getlist(DROP_FIELD) if is_id(v)]
    try:
        draft = services.photo_draft_keep(
            draft=draft,
            owner=owner,
            purpose=purpose,
            photos=request.FILES.getlist("photos"),
            drop=drop,
        )
    except DomainError as exc:
        return KeptPhotos(draft, exc.message)
    return KeptPhotos(draft)


@require_GET
def kept_photo(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The thumbnail of a kept photo, for whoever holds its draft (else 404)."""
    data = selectors.photo_draft_photo(token=token, pk=pk, viewer=request.user)
    if data is None:
        raise Http404
    response = HttpResponse(thumbnail_bytes(data), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
