"""The favicon (#17): linked from every page and answering at /favicon.ico, where browsers look for it anyway."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_favicon_ico_answers_200_with_an_icon(client):
    response = client.get("/favicon.ico")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    # an ICO file: reserved 0, type 1 (icon), two images (16 and 32 px)
    assert body[:6] == b"\x00\x00\x01\x00\x02\x00"


@pytest.mark.django_db
def test_every_page_links_the_favicon(client_agent):
    signed_out = Client().get(reverse("login"))
    for page in (signed_out, client_agent.get(reverse("notifications"))):
        assert '<link rel="icon" href="/static/favicon.ico"' in page.content.decode()
