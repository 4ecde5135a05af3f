"""(being written: a stub so the URLconf loads)"""

from typing import Any

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def committee(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def meeting(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def meeting_status(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def recalculate_meeting(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError


def recalculate_cohort(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError
