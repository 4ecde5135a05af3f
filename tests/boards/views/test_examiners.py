"""An external examiner's comments and sign-off on a meeting: the forms on the meeting page, what the
page then shows, the one sign-off per examiner, and everyone else turned away."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from boards.models import LedgerEntry, Meeting
from tests.students.views.pages import visible_text

pytestmark = pytest.mark.django_db

COMMENT = "The marking of ENG3001 is consistent with the descriptors; the sample was well chosen."
SIGN_OFF = "I confirm that the results were reached fairly and in line with the regulations."


@pytest.fixture
def meeting(make_board: Callable[..., Meeting]) -> Meeting:
    return make_board(students=3)


def url(meeting: Meeting, name: str) -> str:
    return reverse(f"boards:{name}", args=[meeting.pk])


def when(entry: LedgerEntry) -> str:
    return date_format(localtime(entry.created_at), "j F Y H:i")


def entries() -> list[tuple[str, str, str]]:
    return list(LedgerEntry.objects.order_by("pk").values_list("kind", "user__username", "reason"))


def test_the_external_examiner_sees_the_comment_and_sign_off_forms(
    client: Client, meeting: Meeting, external: User
) -> None:
    client.force_login(external)

    response = client.get(url(meeting, "meeting"))

    content = response.content.decode()
    assert f'action="{url(meeting, "comment")}"' in content
    assert f'action="{url(meeting, "sign_off")}"' in content
    assert '<textarea name="text" cols="60" rows="4" maxlength="5000" id="comment-text">' in content
    assert '<textarea name="text" cols="60" rows="4" maxlength="5000" id="sign-off-text">' in content
    assert (
        "External examiners' comments and sign-off None yet. Your comment to the committee Record comment "
        "Your sign-off statement Sign off the meeting"
    ) in visible_text(response)


@pytest.mark.parametrize("persona", ["chair", "secretary", "member", "administrator", "superuser"])
def test_no_one_else_is_offered_the_forms(
    client: Client, meeting: Meeting, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    content = client.get(url(meeting, "meeting")).content.decode()

    assert url(meeting, "comment") not in content
    assert url(meeting, "sign_off") not in content


def test_the_external_examiners_comment_and_sign_off_appear_on_the_meeting_page(
    client: Client, meeting: Meeting, external: User, member: User
) -> None:
    client.force_login(external)

    commented = client.post(url(meeting, "comment"), {"text": COMMENT})
    assert commented.status_code == 302
    assert commented["Location"] == url(meeting, "meeting")
    text = visible_text(client.get(commented["Location"]))
    assert "Your comment is recorded; it goes into the minutes." in text

    signed = client.post(url(meeting, "sign_off"), {"text": SIGN_OFF}, follow=True)
    text = visible_text(signed)
    assert "You signed the meeting off; the sign-off goes into the minutes." in text

    comment, sign_off = LedgerEntry.objects.order_by("pk")
    assert entries() == [("comment", "ezra", COMMENT), ("sign-off", "ezra", SIGN_OFF)]
    assert (
        f"External examiners' comments and sign-off Comment by ezra, {when(comment)}: {COMMENT} "
        f"Signed off by ezra, {when(sign_off)}: {SIGN_OFF} Your comment to the committee Record comment "
        f"You signed this meeting off on {date_format(localtime(sign_off.created_at), 'j F Y')}."
    ) in text
    assert url(meeting, "sign_off") not in signed.content.decode()

    client.force_login(member)
    text = visible_text(client.get(url(meeting, "meeting")))
    assert (
        f"Comment by ezra, {when(comment)}: {COMMENT} Signed off by ezra, {when(sign_off)}: {SIGN_OFF}"
    ) in text


def test_a_second_sign_off_is_refused_with_the_reason(
    client: Client, meeting: Meeting, external: User
) -> None:
    client.force_login(external)
    client.post(url(meeting, "sign_off"), {"text": SIGN_OFF})

    response = client.post(url(meeting, "sign_off"), {"text": "Signing once more, to be sure."}, follow=True)

    assert response.status_code == 200
    assert "You have already signed this meeting off." in visible_text(response)
    assert entries() == [("sign-off", "ezra", SIGN_OFF)]


def test_an_empty_comment_is_refused_with_the_reason(
    client: Client, meeting: Meeting, external: User
) -> None:
    client.force_login(external)

    response = client.post(url(meeting, "comment"), {"text": "   \n "}, follow=True)

    assert "The comment is empty: write what you want the committee to read." in visible_text(response)
    assert entries() == []


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("chair", 403),
        ("secretary", 403),
        ("member", 403),
        ("administrator", 403),
        ("superuser", 403),
        ("outsider", 404),
        ("stranger", 404),
    ],
)
@pytest.mark.parametrize("name", ["comment", "sign_off"])
def test_only_the_committees_external_examiners_comment_or_sign_off(
    client: Client, meeting: Meeting, persona: str, status: int, name: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    response = client.post(url(meeting, name), {"text": COMMENT})

    assert response.status_code == status
    assert entries() == []


@pytest.mark.parametrize("name", ["comment", "sign_off"])
def test_the_forms_answer_only_post(client: Client, meeting: Meeting, external: User, name: str) -> None:
    client.force_login(external)

    assert client.get(url(meeting, name)).status_code == 405
    assert entries() == []
