from django.urls import path

from grids import views, views_claims, views_notices

app_name = "grids"

urlpatterns = [
    path("", views.grid_overview, name="overview"),
    path("residents/", views.resident_list, name="resident-list"),
    path("residents/<int:pk>/", views.resident_detail, name="resident-detail"),
    path("patrol/", views.patrol_current, name="patrol"),
    path("patrol/<int:pk>/check-in/", views.patrol_check_in, name="patrol-check-in"),
    path("patrol/<int:pk>/end/", views.patrol_end, name="patrol-end"),
    path("patrols/", views.patrol_list, name="patrol-list"),
    path("patrols/<int:pk>/", views.patrol_detail, name="patrol-detail"),
    path("coverage/", views.coverage, name="coverage"),
    path("visits/", views.visits_due, name="visits"),
    path("residents/<int:pk>/visit/", views.visit_new, name="visit-new"),
    path("residents/<int:pk>/link/", views.resident_link, name="resident-link"),
    path("log/", views.work_log, name="work-log"),
    path("my-home/", views_claims.claim_home, name="claim"),
    path("my-home/claims/<int:pk>/withdraw/", views_claims.claim_withdraw, name="claim-withdraw"),
    path("claims/", views_claims.claim_list, name="claim-list"),
    path("claims/<int:pk>/", views_claims.claim_detail, name="claim-detail"),
    path("notices/", views_notices.notice_list, name="notice-list"),
    path("notices/new/", views_notices.notice_new, name="notice-new"),
    path("notices/manage/", views_notices.notice_manage, name="notice-manage"),
    path("notices/<int:pk>/", views_notices.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/edit/", views_notices.notice_edit, name="notice-edit"),
    path("notices/<int:pk>/withdraw/", views_notices.notice_withdraw, name="notice-withdraw"),
    path("<int:pk>/card.pdf", views.grid_card, name="grid-card"),
    path("buildings/", views.building_list, name="building-list"),
    path("buildings/<int:pk>/poster.pdf", views.building_poster, name="building-poster"),
    path(
        "buildings/<int:pk>/poster/renew/",
        views.building_poster_renew,
        name="building-poster-renew",
    ),
    path("hazards/", views.hazard_list, name="hazard-list"),
    path("hazards/new/", views.hazard_new, name="hazard-new"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard-detail"),
    path("hazards/photos/<int:pk>/<str:size>/", views.hazard_photo, name="hazard-photo"),
]
