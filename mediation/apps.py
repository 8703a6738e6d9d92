from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = _("Mediation room")

    def ready(self) -> None:
        from community import panels
        from community.models import Role
        from mediation.panels import room

        for role in (Role.MEDIATOR, Role.SECRETARY):
            panels.register(role, room)
