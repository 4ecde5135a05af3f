"""The site's home page: the user's committees with their coming meetings, and the schools they serve.

It sits here rather than in an app because it reads from both: boards (committees) and students
(schools), each through its own scoping helper.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from boards import selectors
from students.access import visible
from students.models import School


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "committees": selectors.committees_with_upcoming_meetings(request.user, timezone.localdate()),
        "schools": visible(request.user, School.objects.all()),
    }
    return render(request, "home.html", context)
