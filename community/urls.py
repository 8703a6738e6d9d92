"""Root URLs: the only place (with settings) that sees every app."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from community import api, views
from community.views import accounts
from community.views import photos as kept_photos
from grids import api as grids_api
from petitions import api as petitions_api
from petitions import views as petitions_views
from petitions import views_public as petitions_public

router = DefaultRouter()
router.register("communities", api.CommunityViewSet, basename="api-community")
router.register("notifications", api.NotificationViewSet, basename="api-notification")
router.register("patrols", grids_api.PatrolViewSet, basename="api-patrol")
router.register("visits", grids_api.VisitViewSet, basename="api-visit")
router.register("hazards", grids_api.HazardViewSet, basename="api-hazard")
router.register("petitions", petitions_api.PetitionViewSet, basename="api-petition")

# Error pages for people; JSON under /api/ (an API client never gets an HTML page).
handler400 = "community.api_errors.bad_request"
handler403 = "community.api_errors.permission_denied"
handler404 = "community.api_errors.page_not_found"
handler500 = "community.api_errors.server_error"

admin.site.site_header = _("Tongxin administration")
admin.site.site_title = _("Tongxin")
admin.site.index_title = _("Organisation and people")

api_v1: list[URLPattern | URLResolver] = [
    path("me/", api.me, name="api-me"),
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("home/<str:role>/", views.role_home, name="role-home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # A resident's own account (sign-up, code sign-in and reset by SMS code).
    *[
        path(f"account/{slug}/", accounts.code_request, {"slug": slug}, name=f"account-{slug}")
        for slug in accounts.FLOWS
    ],
    path("account/sign-up/code/", accounts.sign_up_code, name="account-sign-up-code"),
    path(
        "account/code-sign-in/code/", accounts.code_sign_in_code, name="account-code-sign-in-code"
    ),
    path("account/reset/code/", accounts.reset_code, name="account-reset-code"),
    path("account/password/", accounts.password_change, name="account-password-change"),
    path("account/", accounts.profile, name="account-profile"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("org/communities/<int:pk>/", views.community_detail, name="community-detail"),
    path("org/streets/<int:pk>/", views.street_detail, name="street-detail"),
    path("org/departments/<int:pk>/", views.department_detail, name="department-detail"),
    path("grids/", include("grids.urls")),
    # The QR poster on a building (grids.printing) opens this: who to call, and a request form.
    path("b/<str:token>/", petitions_views.building_public, name="building-public"),
    # Reporting from the poster without an account (three screens), and following it.
    path("b/<str:token>/report/", petitions_public.poster_report, name="poster-report"),
    path("report/<str:token>/", petitions_public.poster_edit, name="poster-edit"),
    path("report/<str:token>/phone/", petitions_public.poster_phone, name="poster-phone"),
    path("report/<str:token>/code/", petitions_public.poster_code, name="poster-code"),
    path("r/<str:token>/", petitions_public.petition_follow, name="petition-follow"),
    path(
        "r/<str:token>/urge/",
        petitions_public.petition_follow_urge,
        name="petition-follow-urge",
    ),
    # A community's public board (公示), linked from its building posters.
    path("board/<int:pk>/", petitions_public.public_board, name="public-board"),
    path("requests/", include("petitions.urls")),
    path("mediation/", include("mediation.urls")),
    path("volunteers/", include("volunteers.urls")),
    # The thumbnail of a photo kept with a refused form (hazard, request, poster report).
    path("photos/kept/<str:token>/<int:pk>/", kept_photos.kept_photo, name="kept-photo"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/bell/", views.notification_bell, name="notification-bell"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # Swagger UI styles itself inline; its scripts still come from our server.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]
