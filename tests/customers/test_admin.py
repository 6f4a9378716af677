"""The customer admin: masked list, exact search through the hash, additions and edits through the service."""

import pytest
from django.urls import reverse

from aftersales.models import AuditEntry
from customers.models import Customer
from tests.customers.factories import make_customer

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "x-pass-12345")
    client.force_login(user)
    return client


def test_changelist_is_masked_and_finds_exact_mobile_and_id(admin_client, back_office):
    wang = make_customer(actor=back_office, name="王晓明", national_id=ID, mobile="13812345678")
    make_customer(actor=back_office, name="李四")
    url = reverse("admin:customers_customer_changelist")
    html = admin_client.get(url).content.decode()
    assert "138****5678" in html and "13812345678" not in html and ID not in html
    for query in ("138 1234 5678", ID.lower(), "王晓"):
        response = admin_client.get(url, {"q": query})
        assert list(response.context["cl"].result_list) == [wang], query


def test_change_form_does_not_show_pii_in_full(admin_client, back_office):
    wang = make_customer(actor=back_office, national_id=ID, mobile="13812345678", bank_card="4111111111111111")
    html = admin_client.get(reverse("admin:customers_customer_change", args=[wang.pk])).content.decode()
    assert ID not in html and "13812345678" not in html and "4111111111111111" not in html
    assert "110***********002X" in html


def test_admin_add_goes_through_the_service(admin_client):
    data = {
        "name": "赵六",
        "national_id": ID,
        "mobile": "+86 138 1234 5678",
        "preferred_language": "zh-hans",
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:customers_customer_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    customer = Customer.objects.get()
    assert customer.mobile == "+8613812345678" and customer.customer_number == f"C{customer.pk:08d}"
    assert AuditEntry.objects.filter(action="customer_create", actor_name="root").exists()


def test_admin_refuses_a_duplicate_id_with_a_message(admin_client, back_office):
    make_customer(actor=back_office, national_id=ID)
    data = {"name": "赵六", "national_id": ID, "mobile": "13900000000", "preferred_language": "zh-hans",
            "consents-TOTAL_FORMS": "0", "consents-INITIAL_FORMS": "0"}  # fmt: skip
    response = admin_client.post(reverse("admin:customers_customer_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["national_id"]] == ["duplicate_national_id"]
    assert Customer.objects.count() == 1


def test_nobody_deletes_customers_in_the_admin(admin_client, back_office):
    wang = make_customer(actor=back_office)
    response = admin_client.get(reverse("admin:customers_customer_delete", args=[wang.pk]))
    assert response.status_code == 403
