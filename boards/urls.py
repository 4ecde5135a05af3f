"""The boards pages: committees, meetings, and per cohort on a meeting's agenda its broadsheet, each
student's explained outcome and the module statistics; the committee's decisions on them (overrides,
holds, provisional, ratification, publication, amendments); examiners' comments and sign-off; the
minutes, the board pack and the committee's ledger."""

from django.urls import path

from boards.views import (
    broadsheet,
    decisions,
    examiners,
    ledger,
    meetings,
    minutes,
    outcomes,
    reviews,
    statistics,
)

app_name = "boards"
cohort = "meetings/<int:meeting>/cohorts/<int:cohort>/"
student = cohort + "students/<int:enrolment>/"
urlpatterns = [
    path("", meetings.home, name="home"),
    path("committees/<int:pk>/", meetings.committee, name="committee"),
    path("committees/<int:pk>/ledger/", ledger.ledger, name="ledger"),
    path("meetings/<int:pk>/", meetings.meeting, name="meeting"),
    path("meetings/<int:pk>/status/", meetings.meeting_status, name="meeting_status"),
    path("meetings/<int:pk>/recalculate/", meetings.recalculate_meeting, name="recalculate_meeting"),
    path("meetings/<int:pk>/comments/", examiners.comment, name="comment"),
    path("meetings/<int:pk>/sign-off/", examiners.sign_off, name="sign_off"),
    path("meetings/<int:pk>/minutes/", minutes.minutes, name="minutes"),
    path("meetings/<int:pk>/minutes.pdf", minutes.minutes_pdf, name="minutes_pdf"),
    path("meetings/<int:pk>/board-pack.pdf", minutes.board_pack, name="board_pack"),
    path(cohort + "recalculate/", meetings.recalculate_cohort, name="recalculate_cohort"),
    path(cohort, broadsheet.broadsheet, name="broadsheet"),
    path(cohort + "export.<str:format>", broadsheet.export, name="broadsheet_export"),
    path(cohort + "statistics/", statistics.statistics, name="statistics"),
    path(cohort + "provisional/", reviews.make_provisional, name="make_provisional"),
    path(cohort + "ratify/", reviews.ratify, name="ratify"),
    path(cohort + "publish/", reviews.publish, name="publish"),
    path(cohort + "amendments/", reviews.amendments, name="amendments"),
    path(cohort + "results/<int:file>/", reviews.results_file, name="results_file"),
    path(student, outcomes.outcome, name="outcome"),
    path(student + "override/", decisions.override, name="override"),
    path(student + "override/withdraw/", decisions.withdraw_override, name="withdraw_override"),
    path(student + "override/confirm/", decisions.confirm_override, name="confirm_override"),
    path(student + "hold/", decisions.hold, name="hold"),
    path(student + "release/", decisions.release, name="release"),
    path(student + "amend/", decisions.amend, name="amend"),
    path(student + "amendment/approve/", decisions.approve_amendment, name="approve_amendment"),
]
