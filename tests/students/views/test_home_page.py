"""The home page lists the schools a user may see, and nothing for a user with no role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from .pages import visible_text

LEAD = "Quorum runs university assessment boards"


@pytest.mark.usefixtures("school", "other_school")
def test_an_administrator_sees_the_school_they_administer(client: Client, administrator: User) -> None:
    client.force_login(administrator)
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert '<li><a href="/schools/ENG/">School of English</a> (ENG)</li>' in content
    assert "School of Physics" not in content
    assert 'href="/admin/"' not in content


@pytest.mark.usefixtures("school", "other_school")
def test_a_superuser_sees_every_school_and_the_admin(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    response = client.get("/")

    assert response.status_code == 200
    assert "<title>Quorum</title>" in response.content.decode()
    text = visible_text(response)
    assert LEAD in text
    assert (
        "Your schools School of English (ENG) School of Physics (PHY) Go to the administration site" in text
    )
    assert 'href="/admin/"' in response.content.decode()


@pytest.mark.usefixtures("school", "other_school")
def test_a_user_with_no_role_sees_no_school(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    response = client.get("/")

    assert response.status_code == 200
    text = visible_text(response)
    assert "Your schools You have no role in any school yet." in text
    assert "School of English" not in text
    assert "School of Physics" not in text
