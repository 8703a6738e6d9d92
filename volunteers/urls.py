from django.urls import path

from volunteers.views import activities, hours, signups, teams

app_name = "volunteers"

urlpatterns = [
    path("", activities.activity_list, name="activities"),
    path("mine/", signups.my_signups, name="mine"),
    path("activities/new/", activities.activity_new, name="activity-new"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/cancel/", activities.activity_cancel, name="activity-cancel"),
    path("activities/<int:pk>/walk-ins/", activities.activity_walk_ins, name="activity-walk-ins"),
    path("activities/<int:pk>/sign-up/", signups.signup_new, name="sign-up"),
    path("activities/<int:pk>/roll/", signups.roll_add, name="roll-add"),
    # What the activity's QR code opens (the code is signed, and good on the day only).
    path("activities/<int:pk>/check-in/<str:code>/", signups.check_in, name="check-in"),
    path("sign-ups/<int:pk>/act/<slug:action>/", signups.signup_act, name="signup-act"),
    path("sign-ups/<int:pk>/hours/", signups.signup_hours, name="signup-hours"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/new/", teams.team_new, name="team-new"),
    path("teams/<int:pk>/", teams.team_detail, name="team"),
    path("teams/<int:pk>/edit/", teams.team_edit, name="team-edit"),
    path("teams/<int:pk>/join/", teams.team_join, name="team-join"),
    path("teams/<int:pk>/projects/new/", teams.project_new, name="project-new"),
    path("teams/<int:pk>/volunteers/new/", teams.volunteer_add, name="volunteer-add"),
    path("projects/<int:pk>/toggle/", teams.project_toggle, name="project-toggle"),
    path("members/<int:pk>/<slug:action>/", teams.member_act, name="member-act"),
    path("hours/", hours.my_hours, name="my-hours"),
    path("people/<int:pk>/", hours.volunteer_detail, name="volunteer"),
    path("people/<int:pk>/profile/", hours.volunteer_profile, name="volunteer-profile"),
    path("people/<int:pk>/statement.pdf", hours.statement_pdf, name="statement"),
    path("reports/", hours.report, name="report"),
    path("reports/hours.xlsx", hours.report_xlsx, name="report-xlsx"),
]
