from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Grids")

    def ready(self) -> None:
        from community import panels
        from community.models import Role
        from grids.panels import (
            claims_waiting,
            community_grids,
            my_grid,
            my_home,
            notices,
            notices_staff,
        )

        panels.register(Role.GRID_WORKER, my_grid)
        panels.register(Role.RESIDENT, my_home)
        panels.register(Role.RESIDENT, notices)
        for role in (Role.GRID_WORKER, Role.SECRETARY):
            panels.register(role, claims_waiting)
            panels.register(role, notices_staff)
        for role in (Role.SECRETARY, Role.STREET_DISPATCHER, Role.STREET_LEAD):
            panels.register(role, community_grids)
