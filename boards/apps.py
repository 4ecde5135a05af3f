from django.apps import AppConfig


class BoardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "boards"
    verbose_name = "Assessment boards"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
