import pytest
from django.test import Client


@pytest.mark.django_db
def test_home_page_names_quorum_and_links_to_the_admin(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<title>Quorum</title>" in content
    assert "Quorum runs university assessment boards" in content
    assert 'href="/admin/"' in content
