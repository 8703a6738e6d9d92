from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from community import panels
        from petitions.panels import PANELS

        for role, factory in PANELS:
            panels.register(role, factory)
