"""(being written: a stub so the URLconf loads)"""

from typing import Any

from django.http import HttpRequest, HttpResponse


def outcome(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError
