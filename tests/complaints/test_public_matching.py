"""The public form links a complaint to its customer through the one matcher (customers.selectors.customer_match).

Its rule for an ambiguous match: a number shared by several customers links none; an agent links the right one by
hand. (Before the one matcher the form linked the first customer with that number.)
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Complaint
from tests.complaints.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "match"}}


def _submit(client, phone: str) -> Complaint:
    data = {
        "contact_name": "王芳",
        "contact_phone": phone,
        "category": "fees",
        "summary": "Charged twice",
        "description": "The fee was taken twice",
        "website": "",
    }
    assert client.post(reverse("complaints:public_new"), data).status_code == 200
    return Complaint.objects.order_by("-id").first()


def test_a_number_known_for_one_customer_links_that_customer(client):
    # given one customer with this mobile, typed with spaces and the 86 prefix
    customer = make_customer(mobile="+8613700001234")
    # when a complaint arrives through the public form
    complaint = _submit(client, "86 137 0000 1234")
    # then it is linked to that customer
    assert complaint.customer_id == customer.pk


def test_a_number_shared_by_two_customers_links_none(client):
    # given two customers sharing one mobile (e.g. a couple)
    make_customer(mobile="+8613700005678")
    make_customer(mobile="+8613700005678")
    # when a complaint arrives from that number
    complaint = _submit(client, "13700005678")
    # then no customer is linked automatically: the agent links the right one
    assert complaint.customer_id is None
    assert complaint.contact_phone == "+8613700005678"


def test_an_unknown_number_links_none(client):
    make_customer(mobile="+8613700009999")
    assert _submit(client, "13700001111").customer_id is None
