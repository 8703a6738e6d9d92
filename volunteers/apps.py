from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from community import panels
        from community.models import Role
        from volunteers.panels import leader_panel, resident_panel

        for role in (Role.VOLUNTEER_LEADER, Role.SECRETARY):
            panels.register(role, leader_panel)
        panels.register(Role.RESIDENT, resident_panel)
