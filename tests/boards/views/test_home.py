"""Finding one's way to a meeting: the site's home page lists the user's committees with their coming
meetings, the committees page every meeting, and a committee's page its members, cohorts and meetings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from boards.models import AssessmentCommittee, Cohort, Meeting
from students.models import Programme
from tests.students.views.pages import visible_text


@pytest.fixture
def meetings(committee: AssessmentCommittee, other_committee: AssessmentCommittee) -> list[Meeting]:
    """The committee's past award meeting and coming resit meeting; the other committee's coming one."""
    today = timezone.localdate()
    return [
        Meeting.objects.create(committee=committee, date=date(2025, 6, 20), kind=Meeting.Kind.AWARD),
        Meeting.objects.create(committee=committee, date=today + timedelta(days=30), kind=Meeting.Kind.RESIT),
        Meeting.objects.create(
            committee=other_committee, date=today + timedelta(days=7), kind=Meeting.Kind.PROGRESSION
        ),
    ]


def test_the_home_page_lists_a_members_committees_with_their_coming_meetings(
    client: Client, meetings: list[Meeting], member: User
) -> None:
    client.force_login(member)
    response = client.get("/")

    coming = meetings[1]
    text = visible_text(response)
    assert (
        f"Your committees School of English UG Board: coming meetings "
        f"Resit (after reassessment), {coming.date:%-d %B %Y} All committees and past meetings"
    ) in text
    assert "School of Physics" not in text
    assert "Your schools" not in text  # a member who administers no school is not told about schools
    content = response.content.decode()
    assert f'href="/boards/meetings/{coming.pk}/"' in content
    assert f'href="/boards/meetings/{meetings[0].pk}/"' not in content


@pytest.mark.usefixtures("meetings")
def test_a_school_administrator_sees_the_schools_committees_and_schools(
    client: Client, administrator: User
) -> None:
    client.force_login(administrator)
    text = visible_text(client.get("/"))

    assert "Your committees School of English UG Board: coming meetings Resit" in text
    assert "Your schools School of English (ENG)" in text
    assert "Physics" not in text


@pytest.mark.usefixtures("meetings")
def test_the_committees_page_lists_every_meeting_of_the_users_committees(client: Client, chair: User) -> None:
    client.force_login(chair)
    response = client.get("/boards/")

    assert response.status_code == 200
    text = visible_text(response)
    coming = timezone.localdate() + timedelta(days=30)
    assert (
        "Committees School of English UG Board School of English "
        f"Resit (after reassessment) meeting, {coming:%-d %B %Y} Award meeting, 20 June 2025"
    ) in text
    assert "School of Physics" not in text


@pytest.mark.usefixtures("meetings")
def test_a_user_on_no_committee_is_told_so(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    assert "You sit on no assessment committee." in visible_text(client.get("/boards/"))


@pytest.mark.usefixtures("meetings", "secretary", "external")
def test_the_committee_page_lists_members_with_roles_cohorts_and_meetings(
    client: Client, committee: AssessmentCommittee, chair: User, member: User
) -> None:
    programme = Programme.objects.create(
        school=committee.school,
        code="ENG-BA",
        title="English BA",
        award="bachelor-honours",
        default_ruleset="x",
    )
    Cohort.objects.create(
        committee=committee,
        programme=programme,
        academic_session="2024/25",
        programme_year=3,
        final_year=True,
        level=6,
    )
    chair.first_name, chair.last_name = "Charlotte", "Brontë"
    chair.save(update_fields=["first_name", "last_name"])
    client.force_login(member)

    text = visible_text(client.get(f"/boards/committees/{committee.pk}/"))

    assert (
        "School of English UG Board School School of English Your role Member "
        "Quorum 2 (chair, secretary or members; external examiners are not counted) "
        "Broadsheets Student IDs and names "
        "Members Name Role Charlotte Brontë Chair ezra External examiner meera Member seb Secretary"
    ) in text
    assert "Cohorts English BA, 2024/25 year 3 (ENG-BA): final year, award Meetings Resit" in text


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 200), ("external", 200), ("administrator", 200), ("outsider", 404), ("stranger", 404)],
)
def test_a_committee_page_is_for_its_members_and_school_administrators(
    client: Client, committee: AssessmentCommittee, persona: str, status: int, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(f"/boards/committees/{committee.pk}/").status_code == status


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/boards/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/boards/")


@pytest.mark.usefixtures("meetings", "member")
def test_the_registry_manages_committees_in_the_admin_and_only_reads_outcome_sets(
    client: Client, committee: AssessmentCommittee, superuser: User
) -> None:
    client.force_login(superuser)

    models = ("assessmentcommittee", "cohort", "meeting", "outcomeset", "outcome")
    statuses = {model: client.get(f"/admin/boards/{model}/").status_code for model in models}
    assert statuses == dict.fromkeys(models, 200)
    change = client.get(f"/admin/boards/assessmentcommittee/{committee.pk}/change/")
    assert change.status_code == 200
    assert 'name="memberships-0-role"' in change.content.decode()
    assert client.get("/admin/boards/outcomeset/add/").status_code == 403
