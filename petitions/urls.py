from django.urls import path

from petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="list"),
    path("new/", views.petition_new, name="new"),
    path("record/", views.petition_record, name="record"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.petition_act, name="act"),
    path("photos/<int:pk>/<slug:size>/", views.petition_photo, name="photo"),
    path("summary/", views.daily_summary, name="summary"),
    path("summary.xlsx", views.daily_summary_xlsx, name="summary-xlsx"),
    path("rates/", views.rates_page, name="rates"),
]
