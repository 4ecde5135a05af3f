"""Signing in and out, and every page but the login page asking for a signed-in user."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from students.models import School

from .pages import visible_text


@pytest.mark.django_db
def test_the_login_page_opens_without_signing_in(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert "<title>Sign in · Quorum</title>" in response.content.decode()
    assert visible_text(response) == "Quorum Sign in Sign in Username: Password: Sign in"


def test_good_credentials_sign_in_and_go_home(client: Client, administrator: User, password: str) -> None:
    response = client.post("/accounts/login/", {"username": "ada", "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_in_returns_to_the_page_that_asked_for_it(
    client: Client, administrator: User, password: str, school: School
) -> None:
    response = client.post(
        "/accounts/login/?next=/schools/ENG/",
        {"username": "ada", "password": password, "next": "/schools/ENG/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/schools/ENG/"


def test_bad_credentials_show_the_error_and_sign_nobody_in(client: Client, administrator: User) -> None:
    response = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})

    assert response.status_code == 200
    assert (
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
        in visible_text(response)
    )
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/", "/schools/ENG/", "/schools/ENG/students/", "/students/S1/", "/schools/NOPE/"]
)
@pytest.mark.django_db
def test_every_page_redirects_an_anonymous_visitor_to_the_login_page(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.django_db
def test_static_files_need_no_login(client: Client) -> None:
    # WhiteNoise answers before the login check; its finders stand in for collectstatic here.
    with override_settings(WHITENOISE_USE_FINDERS=True):
        response = client.get("/static/css/quorum.css")

    assert response.status_code == 200
    assert b"Quorum: plain, readable pages." in b"".join(response.streaming_content)


def test_signing_out_is_a_post_that_ends_the_session(client: Client, administrator: User) -> None:
    client.force_login(administrator)
    page = client.get("/")
    assert '<form class="inline" method="post" action="/accounts/logout/">' in page.content.decode()
    assert "Signed in as ada Sign out" in visible_text(page)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_the_admin_works_for_a_superuser_and_sends_anyone_else_to_its_sign_in(
    client: Client, administrator: User, superuser: User
) -> None:
    # The admin's views answer for themselves (Django marks them login_not_required).
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    client.force_login(administrator)
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"

    client.force_login(superuser)
    response = client.get("/admin/students/school/")

    assert response.status_code == 200
    assert "Select school to change" in visible_text(response)
