from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.apps import apps

        from community import checks  # noqa: F401 - registers the system checks

        # django-axes names its admin section "Axes", in no language: say what it
        # holds (its models' own labels are translated, see community.axes_i18n).
        if apps.is_installed("axes"):
            apps.get_app_config("axes").verbose_name = _("Sign-in lockouts")


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with community.admin_site.PortalAdminSite as ``admin.site``."""

    default = False  # named in INSTALLED_APPS; "community" stays CommunityConfig
    default_site = "community.admin_site.PortalAdminSite"
