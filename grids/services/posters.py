"""A building's QR poster: renewing it revokes the code of the old one."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from community.errors import NotAllowed
from community.models import User
from grids.models import Building


def building_poster_renew(*, actor: User, building: Building) -> Building:
    """A new poster code for ``building`` (a poster was torn down, defaced or
    copied where it does not belong); the old posters' codes stop working.

    Steps: the actor must see the building (its grid's staff, the secretary,
    the street); the serial is raised in one UPDATE (two renewals at once
    make two new serials, never the same one twice).
    """
    if not Building.objects.visible_to(actor).filter(pk=building.pk).exists():
        raise NotAllowed(_("%(building)s is not in your grid.") % {"building": building})
    with transaction.atomic():
        Building.objects.filter(pk=building.pk).update(poster_serial=F("poster_serial") + 1)
    building.refresh_from_db(fields=["poster_serial"])
    return building
