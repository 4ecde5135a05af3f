"""(being written: a stub so the URLconf loads)"""

from typing import Any

from django.http import HttpRequest, HttpResponse


def statistics(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise NotImplementedError
