"""An external examiner's comments on a meeting and their sign-off: their only writes (EXAMINE).

Both are forms on the meeting page. Anyone else who may see the committee gets a 403 (a superuser too: the
registry is not an examiner), anyone who may not a 404; the text is checked by the service
(``DecisionRefused``), whose message the meeting page shows.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from boards import services
from boards.access import get_visible_or_404, require
from boards.models import LedgerEntry, Meeting
from boards.permissions import EXAMINE
from boards.services.examiners import COMMENT_MAX
from students.access import signed_in

DENIED = "Only the committee's external examiners record comments and sign the meeting off."


class ExaminerNote(forms.Form):
    """A comment, or the statement that goes with a sign-off."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=COMMENT_MAX,
        required=False,
        strip=False,
    )


Write = Callable[..., LedgerEntry]


def _record(request: HttpRequest, pk: int, write: Write, done: str) -> HttpResponseRedirect:
    meeting = get_visible_or_404(request.user, Meeting.objects.select_related("committee"), pk=pk)
    require(request.user, EXAMINE, meeting.committee, DENIED)
    form = ExaminerNote(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors["text"])))
    else:
        try:
            write(meeting=meeting, user=signed_in(request), text=form.cleaned_data["text"])
        except services.DecisionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, done)
    return redirect("boards:meeting", pk=meeting.pk)


@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    return _record(
        request, pk, services.record_comment, "Your comment is recorded; it goes into the minutes."
    )


@require_POST
def sign_off(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    return _record(
        request, pk, services.sign_off, "You signed the meeting off; the sign-off goes into the minutes."
    )
