from django.urls import path

from mediation import views

app_name = "mediation"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("new/requests/", views.petition_choices, name="petition-choices"),
    path("stats/", views.room_stats, name="stats"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.case_act, name="act"),
    path("<int:pk>/agreement.pdf", views.case_agreement_pdf, name="agreement-pdf"),
    path("sessions/<int:pk>/scan/", views.session_scan, name="session-scan"),
]
