"""Every `next` stays on the site: an absolute URL, a scheme-relative one or a backslash trick falls back."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from aftersales.security.redirects import is_safe_next, safe_next

rf = RequestFactory()

HOSTILE = [
    "https://evil.example/x",
    "http://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "///evil.example",
    "javascript:alert(1)",
    "https://testserver/inquiries/",  # even our own host spelled absolutely: only paths are accepted
    "/\tevil",
    "evil.example",
    "reminders:contact_tasks",  # a bare word would be taken for a URL name by redirect()
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_next_is_refused(url):
    assert not is_safe_next(rf.post("/", {"next": url}), url)
    assert safe_next(rf.post("/", {"next": url}), "/fallback/") == "/fallback/"


@pytest.mark.parametrize("url", ["/inquiries/", "/reminders/contact-tasks/?page=2", "/customers/12/#loans"])
def test_a_local_path_is_kept(url):
    assert safe_next(rf.post("/", {"next": url}), "/fallback/") == url


def test_the_default_may_be_a_url_name_and_the_query_string_counts_too():
    assert safe_next(rf.post("/"), "reminders:contact_tasks") == "/reminders/contact-tasks/"
    assert safe_next(rf.get("/", {"next": "/loans/"}), "home") == "/loans/"


# ---- the views ------------------------------------------------------------------------------------


@pytest.fixture
def contact_task(db):
    from reminders.models import ContactDataTask
    from tests.reminders.factories import make_customer

    return ContactDataTask.objects.create(
        customer=make_customer(), reason="invalid_number", number_masked="138****0001"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["https://evil.example/phish", "//evil.example", "/\\evil.example"])
def test_contact_task_resolve_does_not_redirect_off_site(client_agent, contact_task, url):
    response = client_agent.post(
        reverse("reminders:contact_task_resolve", args=[contact_task.pk]), {"note": "new number", "next": url}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reminders:contact_tasks")
    contact_task.refresh_from_db()
    assert contact_task.status == "done"  # the work itself is done


@pytest.mark.django_db
def test_contact_task_resolve_returns_to_a_local_page(client_agent, contact_task):
    back = f"/reminders/loans/{contact_task.pk}/?tab=sms"
    response = client_agent.post(
        reverse("reminders:contact_task_resolve", args=[contact_task.pk]), {"note": "new number", "next": back}
    )
    assert response["Location"] == back


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_language_switch_does_not_redirect_off_site(client, url):
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.post(reverse("set_language"), {"language": "en", "next": "/inquiries/"})["Location"] == "/inquiries/"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["https://evil.example", "//evil.example", "/\\evil.example"])
def test_duty_toggle_does_not_redirect_off_site(client_agent, url):
    response = client_agent.post(reverse("staff:duty_set"), {"on_duty": "1", "next": url})
    assert response["Location"] == reverse("staff:profile")
    ok = client_agent.post(reverse("staff:duty_set"), {"on_duty": "1", "next": "/inquiries/?tab=mine"})
    assert ok["Location"] == "/inquiries/?tab=mine"


@pytest.mark.django_db
def test_second_factor_pages_keep_next_on_the_site(client_agent):
    response = client_agent.get(reverse("security:two_factor_verify"), {"next": "//evil.example"})
    assert response.status_code == 302
    assert "evil" not in response["Location"]
