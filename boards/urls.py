"""The boards pages: committees, meetings, and per cohort on a meeting's agenda its broadsheet,
each student's explained outcome and the module statistics."""

from django.urls import path

from boards.views import broadsheet, meetings, outcomes, statistics

app_name = "boards"
cohort = "meetings/<int:meeting>/cohorts/<int:cohort>/"
urlpatterns = [
    path("", meetings.home, name="home"),
    path("committees/<int:pk>/", meetings.committee, name="committee"),
    path("meetings/<int:pk>/", meetings.meeting, name="meeting"),
    path("meetings/<int:pk>/status/", meetings.meeting_status, name="meeting_status"),
    path("meetings/<int:pk>/recalculate/", meetings.recalculate_meeting, name="recalculate_meeting"),
    path(cohort + "recalculate/", meetings.recalculate_cohort, name="recalculate_cohort"),
    path(cohort, broadsheet.broadsheet, name="broadsheet"),
    path(cohort + "export.<str:format>", broadsheet.export, name="broadsheet_export"),
    path(cohort + "students/<int:enrolment>/", outcomes.outcome, name="outcome"),
    path(cohort + "statistics/", statistics.statistics, name="statistics"),
]
