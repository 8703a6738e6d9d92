from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from community import checks  # noqa: F401 - registers the system checks
