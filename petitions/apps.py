from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _claim_poster_requests(user: Any) -> int:
    from petitions.services.intake import poster_requests_claim

    return poster_requests_claim(user=user)


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from community import panels
        from community.services.accounts import on_number_proved
        from petitions.panels import PANELS

        for role, factory in PANELS:
            panels.register(role, factory)
        # Poster reports filed from a number become the requests of its account.
        on_number_proved(_claim_poster_requests)
