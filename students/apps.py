from django.apps import AppConfig


class StudentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "students"
    verbose_name = "Students and marks"

    def ready(self) -> None:
        # Register the rules permissions however the process starts (web, worker, command).
        from students import permissions  # noqa: F401
