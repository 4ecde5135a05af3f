"""Import pages: upload, preview, confirm, and the job page (``students/views/imports.py``)."""

from django.urls import path, re_path

from students.views import imports

app_name = "imports"
urlpatterns = [
    path("batch/<int:pk>/", imports.batch, name="batch"),
    path("batch/<int:pk>/progress/", imports.progress, name="progress"),
    path("batch/<int:pk>/confirm/", imports.confirm, name="confirm"),
    re_path(
        r"^(?P<school_code>[^/]+)/marks\.(?P<file_format>csv|xlsx)$",
        imports.export_marks,
        name="export_marks",
    ),
    path("<str:school_code>/<slug:kind>/", imports.upload, name="upload"),
]
