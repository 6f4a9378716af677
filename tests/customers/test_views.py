"""Customer pages: list (masked, searchable, constant queries), forms (errors next to the field, input kept),
the 360 page (masked only, other apps' panels), reveal (permission, reason, audit), consent and preferences."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.models import AuditEntry
from aftersales.portal import Panel, TimelineEvent
from customers.models import ConsentRecord, Customer
from tests.customers.factories import make_customer, seed_customers

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
MOBILE = "13812345678"
CARD = "6222021234567890128"


@pytest.fixture
def wang(back_office):
    return make_customer(
        actor=back_office, name="王晓明", national_id=ID, mobile=MOBILE, bank_card=CARD, email="wangxm@example.com"
    )


def _field_block(html: str, name: str) -> str:
    """The HTML of one crispy field wrapper (label, input, help and error text)."""
    match = re.search(rf'<div id="div_id_{name}".*?(?=<div id="div_id_|</fieldset>)', html, re.S)
    assert match, f"no field {name}"
    return match.group(0)


# ---- list ------------------------------------------------------------------------------------------


def test_list_shows_masked_values_only(client_agent, wang):
    response = client_agent.get(reverse("customers:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in html and "110***********002X" in html
    assert MOBILE not in html and ID not in html
    assert "New customer" not in html  # agents do not keep master data


def test_back_office_sees_the_new_customer_action(client_back_office):
    html = client_back_office.get(reverse("customers:list")).content.decode()
    assert reverse("customers:create") in html
    assert "No customers yet" in html


def test_search_by_typed_mobile(client_agent, wang, back_office):
    make_customer(actor=back_office, name="李四")
    html = client_agent.get(reverse("customers:list"), {"q": "+86 138 1234 5678"}).content.decode()
    assert "王晓明" in html and "李四" not in html


def test_search_without_match_says_what_to_do(client_agent, wang):
    html = client_agent.get(reverse("customers:list"), {"q": "张三丰"}).content.decode()
    assert "No customer matches" in html
    assert "full 11-digit mobile" in html


def test_list_pages_by_25(client_agent):
    seed_customers(30)
    response = client_agent.get(reverse("customers:list"), {"page": 2})
    assert len(response.context["page"].object_list) == 5
    assert response.context["page"].paginator.num_pages == 2


def test_list_runs_the_same_number_of_queries_for_10_and_1000_customers(client_agent):
    def queries_for_list() -> int:
        client_agent.get(reverse("customers:list"))  # warm per-user caches (roles, session)
        with CaptureQueriesContext(connection) as ctx:
            response = client_agent.get(reverse("customers:list"), {"contact": "", "page": 1})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    seed_customers(10)
    with_10 = queries_for_list()
    seed_customers(1000)
    assert Customer.objects.count() == 1000
    with_1000 = queries_for_list()
    assert with_1000 == with_10


# ---- create / edit -----------------------------------------------------------------------------------

FORM = {
    "name": "王晓明",
    "national_id": ID,
    "mobile": "138 1234 5678",
    "email": "wangxm@example.com",
    "address": "北京市东城区东直门南大街1号",
    "bank_card": CARD,
    "preferred_language": "zh-hans",
}


@pytest.mark.parametrize(
    ("national_id", "message"),
    [
        ("110105194912310021", "check digit of this ID number is wrong"),
        ("110105199002301234", "(1990-02-30) does not exist"),
        ("11010519491231002", "18 characters; this one has 17"),
    ],
)
def test_invalid_id_is_refused_next_to_the_field_and_the_rest_is_kept(client_back_office, national_id, message):
    # when
    response = client_back_office.post(reverse("customers:create"), {**FORM, "national_id": national_id})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert message in _field_block(html, "national_id")
    assert "is-invalid" in _field_block(html, "national_id")
    assert message not in _field_block(html, "mobile")
    assert 'value="王晓明"' in _field_block(html, "name")
    assert 'value="138 1234 5678"' in _field_block(html, "mobile")
    assert 'value="wangxm@example.com"' in _field_block(html, "email")
    assert f'value="{national_id}"' in _field_block(html, "national_id")  # the typo stays to be corrected
    assert not Customer.objects.exists()


def test_invalid_mobile_and_card_are_refused_next_to_their_fields(client_back_office):
    response = client_back_office.post(
        reverse("customers:create"), {**FORM, "mobile": "128 1234 5678", "bank_card": "4111111111111112"}
    )
    html = response.content.decode()
    assert "Enter a mainland mobile number" in _field_block(html, "mobile")
    assert "fails its check digit" in _field_block(html, "bank_card")
    assert f'value="{ID}"' in _field_block(html, "national_id")


def test_duplicate_id_is_a_message_next_to_the_field(client_back_office, wang):
    response = client_back_office.post(reverse("customers:create"), {**FORM, "mobile": "13900000000"})
    assert "already exists" in _field_block(response.content.decode(), "national_id")
    assert Customer.objects.count() == 1


def test_create_goes_through_the_service(client_back_office):
    response = client_back_office.post(reverse("customers:create"), FORM, follow=True)
    customer = Customer.objects.get()
    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    assert customer.mobile == "+8613812345678"
    assert AuditEntry.objects.filter(action="customer_create", object_id=str(customer.pk)).exists()
    assert f"Customer {customer.customer_number} added." in response.content.decode()


def test_edit_form_never_shows_full_pii_and_empty_keeps_values(client_back_office, wang):
    url = reverse("customers:edit", args=[wang.pk])
    html = client_back_office.get(url).content.decode()
    assert ID not in html and MOBILE not in html and CARD not in html and "wangxm@example.com" not in html
    assert "138****5678" in html
    # when: only the mobile and the voice opt-out change
    data = {"name": "王晓明", "mobile": "139 0000 1111", "preferred_language": "zh-hans", "voice_opt_out": "on"}
    response = client_back_office.post(url, data)
    # then
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.mobile == "+8613900001111" and wang.voice_opt_out
    assert (wang.national_id, wang.bank_card, wang.email) == (ID, CARD, "wangxm@example.com")
    entry = AuditEntry.objects.get(action="customer_update")
    assert set(entry.changes) == {"mobile", "voice_opt_out"}


# ---- the 360 page ------------------------------------------------------------------------------------


def test_360_page_shows_masked_values_only(client_agent, wang):
    html = client_agent.get(reverse("customers:detail", args=[wang.pk])).content.decode()
    for full in (ID, MOBILE, CARD, "wangxm@example.com", "东直门", "4111"):
        assert full not in html
    for masked in ("110***********002X", "138****5678", "w***@example.com", "**** **** **** 0128"):
        assert masked in html
    assert "Reveal" not in html  # agents cannot reveal


def test_360_page_renders_other_apps_panels_in_order_and_a_merged_timeline(client_agent, wang, monkeypatch, agent):
    from datetime import timedelta

    from customers import views
    from customers.services import consent_record

    consent_record(customer=wang, granted=True, channel=ConsentRecord.Channel.HOTLINE, actor=agent)
    loan_event = TimelineEvent(at=wang.created_at + timedelta(days=400), kind="loan", text="Loan L-1 disbursed")

    def fake_collect(hook, *args):
        if hook == "customer_panels":
            return [
                Panel("Complaints", "includes/_empty.html", {"title": "No complaints here"}, order=30, count=0),
                Panel("Loans", "includes/_empty.html", {"title": "No loans here", "hint": "Nothing lent"}, order=10),
            ]
        return [loan_event]

    monkeypatch.setattr(views, "collect", fake_collect)
    html = client_agent.get(reverse("customers:detail", args=[wang.pk])).content.decode()
    assert html.index("No loans here") < html.index("No complaints here")
    assert "Nothing lent" in html  # the panel's context keys reach its template
    timeline = html[html.index('data-testid="timeline"') :]
    assert timeline.index("Loan L-1 disbursed") < timeline.index("Customer record created")
    assert "Marketing consent granted" in timeline


def test_360_page_runs_a_bounded_number_of_queries(client_agent, wang, django_assert_max_num_queries, agent):
    from customers.services import consent_record

    for granted in (True, False, True):
        consent_record(customer=wang, granted=granted, channel="hotline", actor=agent)
    client_agent.get(reverse("customers:detail", args=[wang.pk]))
    with django_assert_max_num_queries(30):
        client_agent.get(reverse("customers:detail", args=[wang.pk]))


def test_360_page_queries_do_not_grow_with_the_customers_loans(client_agent, wang):
    from tests.loans.factories import make_loan, make_product

    product = make_product()
    make_loan(product=product, customer=wang)
    url = reverse("customers:detail", args=[wang.pk])
    client_agent.get(url)
    with CaptureQueriesContext(connection) as one_loan:
        client_agent.get(url)
    for _ in range(3):
        make_loan(product=product, customer=wang)
    with CaptureQueriesContext(connection) as four_loans:
        client_agent.get(url)
    assert len(four_loans.captured_queries) == len(one_loan.captured_queries)


# ---- reveal ------------------------------------------------------------------------------------------


def test_agent_cannot_reveal(client_agent, wang):
    response = client_agent.post(reverse("customers:reveal", args=[wang.pk]), {"field": "national_id", "reason": "x"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()


def test_manager_reveals_with_a_reason(client_manager, wang, manager):
    response = client_manager.post(
        reverse("customers:reveal", args=[wang.pk]), {"field": "national_id", "reason": "identity check on a call"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert ID in html
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="pii_reveal")
    assert (entry.actor, entry.changes, entry.reason) == (manager, {"field": "national_id"}, "identity check on a call")
    assert entry.object_id == str(wang.pk)
    # and the next plain view is masked again
    assert ID not in client_manager.get(reverse("customers:detail", args=[wang.pk])).content.decode()


def test_reveal_through_htmx_returns_only_the_panel(client_manager, wang):
    response = client_manager.post(
        reverse("customers:reveal", args=[wang.pk]), {"field": "mobile", "reason": "callback"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "+8613812345678" in html
    assert "<html" not in html and 'id="pii-reveal"' in html


@pytest.mark.parametrize("htmx", [False, True])
def test_reveal_without_reason_is_refused(client_manager, wang, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client_manager.post(
        reverse("customers:reveal", args=[wang.pk]), {"field": "national_id", "reason": "  "}, **headers
    )
    html = response.content.decode()
    assert ID not in html
    assert "Say why you need the full value" in html
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()


def test_reveal_is_post_only(client_manager, wang):
    assert client_manager.get(reverse("customers:reveal", args=[wang.pk])).status_code == 405


# ---- consent and contact preferences -------------------------------------------------------------------


def test_agent_records_a_consent_withdrawal(client_agent, wang, agent):
    response = client_agent.post(
        reverse("customers:consent", args=[wang.pk]),
        {"action": "withdraw", "purpose": "marketing", "channel": "hotline", "note": "不要再发营销短信"},
        follow=True,
    )
    record = ConsentRecord.objects.get(customer=wang)
    assert (record.granted, record.channel, record.recorded_by) == (False, "hotline", agent)
    assert "Consent withdrawal recorded" in response.content.decode()
    assert AuditEntry.objects.filter(action="consent_withdraw", object_id=str(wang.pk)).exists()


def test_consent_with_bad_input_records_nothing(client_agent, wang):
    client_agent.post(reverse("customers:consent", args=[wang.pk]), {"action": "maybe", "channel": "hotline"})
    assert not ConsentRecord.objects.exists()


def test_agent_records_contact_preferences(client_agent, wang):
    client_agent.post(
        reverse("customers:preferences", args=[wang.pk]), {"preferred_language": "en", "voice_opt_out": "on"}
    )
    wang.refresh_from_db()
    assert (wang.preferred_language, wang.sms_opt_out, wang.voice_opt_out) == ("en", False, True)
    assert AuditEntry.objects.get(action="customer_update").changes["voice_opt_out"] == [False, True]
