"""Each persona's status on every records page: 200 where it may look, 404 where the records are another
school's (their existence is not revealed), 404 for what does not exist."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

ENGLISH = ["/schools/ENG/", "/schools/ENG/students/", "/students/leeds-hons-022/"]
PHYSICS = ["/schools/PHY/", "/schools/PHY/students/", "/students/leeds-cert-002/"]
MISSING = ["/schools/NOPE/", "/schools/NOPE/students/", "/students/NOBODY/"]

CASES = [
    *[("administrator", url, 200) for url in ["/", *ENGLISH]],
    *[("administrator", url, 404) for url in PHYSICS + MISSING],
    *[("other_administrator", url, 200) for url in ["/", *PHYSICS]],
    *[("other_administrator", url, 404) for url in ENGLISH + MISSING],
    ("outsider", "/", 200),
    *[("outsider", url, 404) for url in ENGLISH + PHYSICS + MISSING],
    *[("superuser", url, 200) for url in ["/", *ENGLISH, *PHYSICS]],
    *[("superuser", url, 404) for url in MISSING],
]


@pytest.mark.parametrize(("persona", "url", "status"), CASES, ids=[f"{p}-{u}" for p, u, _ in CASES])
@pytest.mark.usefixtures("records")
def test_each_persona_gets_exactly_its_status(
    request: pytest.FixtureRequest, client: Client, persona: str, url: str, status: int
) -> None:
    user: User = request.getfixturevalue(persona)
    client.force_login(user)

    assert client.get(url).status_code == status


@pytest.mark.usefixtures("records")
def test_the_records_pages_only_answer_reads(client: Client, administrator: User) -> None:
    client.force_login(administrator)

    assert client.post("/schools/ENG/").status_code == 405
    assert client.post("/students/leeds-hons-022/").status_code == 405
