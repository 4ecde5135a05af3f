"""Records pages (``students/views/records.py``) and, under ``imports/``, the import pages."""

from django.urls import include, path

from students.views import records

app_name = "students"
urlpatterns = [
    path("schools/<str:code>/", records.school_detail, name="school"),
    path("schools/<str:code>/students/", records.school_students, name="school_students"),
    path("students/<str:student_id>/", records.student_detail, name="student"),
    path("imports/", include("students.urls_imports")),
]
