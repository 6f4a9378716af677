"""Post-loan reviews: the queue (interval, DPD, hardship inquiry, recent complaint) and classification history."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from loans import services
from loans.models import Loan
from loans.selectors import review_queue, review_reasons
from tests.loans.factories import make_loan

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    # the queue's row count is shared for a minute through the cache
    from django.core.cache import cache

    cache.clear()


def _loan(disbursed=date(2026, 2, 15)):
    return make_loan(disbursement_date=disbursed, first_due_date=disbursed + timedelta(days=30))


def _queued(today=TODAY):
    return {loan.pk: review_reasons(loan, today=today) for loan in review_queue(today=today)}


@override_settings(LOAN_REVIEW_INTERVAL_DAYS=90)
def test_periodic_review_after_the_interval():
    fresh = _loan(date(2026, 2, 15))
    old = _loan(date(2025, 12, 1))  # 90 days before 2026-03-01
    queued = _queued()
    assert fresh.pk not in queued
    assert queued[old.pk] == ["periodic"]


def test_overdue_loan_comes_sooner():
    loan = _loan()
    Loan.objects.filter(pk=loan.pk).update(dpd=5, bucket="M1")
    assert _queued()[loan.pk] == ["overdue"]


def test_hardship_inquiry_since_the_last_review():
    from tests.inquiries.factories import make_inquiry

    loan = _loan()
    make_inquiry(customer=loan.customer, category="hardship", received_at=datetime(2026, 2, 20, 10, tzinfo=SH))
    services.review_signals_refresh()
    assert _queued()[loan.pk] == ["hardship"]


def test_complaint_in_the_last_90_days():
    pytest.importorskip("complaints.services")
    from tests.complaints.factories import make_complaint

    loan = _loan()
    with time_machine.travel(datetime(2026, 2, 25, 10, tzinfo=SH)):
        make_complaint(customer=loan.customer, received_at=datetime(2026, 2, 25, 10, tzinfo=SH))
    services.review_signals_refresh()
    assert "complaint" in _queued()[loan.pk]


def test_recording_a_review_takes_the_loan_off_the_queue_and_keeps_history(risk_assessor, agent):
    loan = _loan(date(2025, 10, 1))
    assert loan.pk in _queued()
    values = {
        "funds_use": "as_stated",
        "financial_condition": "weakened",
        "contact_outcome": "reached",
        "measures": "monthly call",
    }
    with pytest.raises(PermissionDenied):
        services.loan_review_record(loan=loan, reviewed_by=agent, classification="special_mention", **values)
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=SH)):
        services.loan_review_record(loan=loan, reviewed_by=risk_assessor, classification="special_mention", **values)
        services.loan_review_record(loan=loan, reviewed_by=risk_assessor, classification="substandard", **values)
    loan.refresh_from_db()
    assert (loan.classification, loan.last_reviewed_on) == ("substandard", TODAY)
    assert loan.pk not in _queued()
    history = list(loan.reviews.values_list("previous_classification", "classification"))
    assert history == [("special_mention", "substandard"), ("normal", "special_mention")]


def test_queue_page_and_form(client_risk, django_assert_max_num_queries):
    for _ in range(3):
        _loan(date(2025, 1, 1))
    with django_assert_max_num_queries(15):
        response = client_risk.get(reverse("loans:review_queue"))
    assert response.status_code == 200 and "periodic" in response.content.decode()
    loan = Loan.objects.first()
    response = client_risk.post(
        reverse("loans:review_new", args=[loan.pk]),
        {
            "classification": "normal",
            "funds_use": "as_stated",
            "financial_condition": "stable",
            "contact_outcome": "reached",
            "measures": "",
            "trigger": "periodic",
        },
    )
    assert response.status_code == 302
    assert loan.reviews.get().trigger == "periodic"


def test_five_categories():
    from loans.models import Classification

    assert [c for c, _ in Classification.choices] == ["normal", "special_mention", "substandard", "doubtful", "loss"]


# ---- the queue at scale: risk order, filters, balance, sorting, paging, export, figures -----------------------


def _set(loan, **values):
    Loan.objects.filter(pk=loan.pk).update(**values)
    loan.refresh_from_db()
    return loan


def test_queue_is_ordered_by_days_past_due_then_signals():
    # given three loans all past the review interval: 0 DPD, 398 DPD, and 5 DPD twice (one with a hardship signal)
    current = _loan(date(2025, 10, 1))
    very_late = _set(_loan(date(2025, 10, 1)), dpd=398, bucket="M3+")
    late = _set(_loan(date(2025, 10, 1)), dpd=5, bucket="M1")
    late_hardship = _set(_loan(date(2025, 10, 1)), dpd=5, bucket="M1", hardship_reported_on=date(2026, 2, 20))
    # when the queue is read in its default order
    order = [loan.pk for loan in review_queue(today=TODAY)]
    # then the 398-day loan leads, the 5-day loan with two signals beats the one with one, the current loan is last
    assert order == [very_late.pk, late_hardship.pk, late.pk, current.pk]


def test_queue_filters_by_classification_trigger_bucket_and_product():
    a = _set(_loan(date(2025, 10, 1)), dpd=40, bucket="M2", classification="substandard")
    b = _set(_loan(date(2026, 2, 15)), complained_on=date(2026, 2, 25))
    c = _loan(date(2025, 10, 1))

    def pks(**filters):
        return {loan.pk for loan in review_queue(today=TODAY, **filters)}

    assert pks() == {a.pk, b.pk, c.pk}
    assert pks(classification="substandard") == {a.pk}
    assert pks(bucket="M2") == {a.pk}
    assert pks(trigger="complaint") == {b.pk}
    assert pks(trigger="overdue") == {a.pk}
    assert pks(trigger="periodic") == {a.pk, c.pk}
    assert pks(product_id=c.product_id) == {c.pk}


def test_complaint_older_than_90_days_is_no_signal_and_a_review_clears_signals():
    # a complaint on 2025-11-30 is 91 days before 2026-03-01: not a signal (the loan is due periodically anyway)
    old = _set(_loan(date(2025, 11, 1)), complained_on=date(2025, 11, 30))
    assert _queued()[old.pk] == ["periodic"]
    # a review after the hardship inquiry takes the signal away
    reviewed = _set(_loan(date(2026, 2, 1)), hardship_reported_on=date(2026, 2, 10), last_reviewed_on=date(2026, 2, 11))
    assert reviewed.pk not in _queued()


def test_signal_refresh_is_set_based_incremental_and_idempotent():
    from tests.inquiries.factories import make_inquiry

    loan = _loan()
    other = _loan()
    make_inquiry(customer=loan.customer, category="hardship", received_at=datetime(2026, 2, 20, 23, 30, tzinfo=SH))
    make_inquiry(customer=other.customer, category="repayment", received_at=datetime(2026, 2, 21, 10, tzinfo=SH))
    # an incremental run only looks at records received since the given time
    assert services.review_signals_refresh(since=datetime(2026, 2, 21, tzinfo=SH)) == 0
    # the full run copies the local (Beijing) date: 23:30 on 02-20 is still 02-20
    assert services.review_signals_refresh() == 1
    loan.refresh_from_db()
    other.refresh_from_db()
    assert (loan.hardship_reported_on, other.hardship_reported_on) == (date(2026, 2, 20), None)
    assert services.review_signals_refresh() == 0


def _queue_client(client_risk, **params):
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=SH)):
        return client_risk.get(reverse("loans:review_queue"), params)


def test_queue_page_shows_balance_next_due_and_overdue_first(client_risk):
    # given 12,000.00 at 12% over 12 months (equal installment 1,066.19, first due 2026-02-01), nothing paid,
    # 28 days past due on 2026-03-01, and a current loan due periodically
    current = _loan(date(2025, 10, 1))
    late = _set(make_loan(disbursement_date=date(2025, 11, 1), first_due_date=date(2026, 2, 1)), dpd=28, bucket="M1")
    # when risk opens the queue
    response = _queue_client(client_risk)
    page = response.content.decode()
    # then the late loan comes first, with its balance: principal 12,000.00 + the interest due by 03-01
    # (120.00 on installment 1, 11,053.81 × 1% = 110.54 on installment 2) = 12,230.54, and its next due date
    rows = response.context["page"].object_list
    assert [row.pk for row in rows] == [late.pk, current.pk]
    assert rows[0].balance == D("12230.54")
    assert "12,230.54" in page
    assert late.next_due_date.isoformat() in page


def test_queue_sort_is_whitelisted_and_pages(client_risk):
    loans = [_loan(date(2025, 10, 1)) for _ in range(3)]
    _set(loans[0], last_reviewed_on=date(2025, 11, 1))
    by_review = _queue_client(client_risk, sort="last_review")
    rows = [loan.pk for loan in by_review.context["page"].object_list]
    assert rows[-1] == loans[0].pk  # never-reviewed loans first, then the oldest review
    bogus = _queue_client(client_risk, sort="customer__national_id")
    assert bogus.status_code == 200 and bogus.context["sort"] == "risk"
    with override_settings():
        from loans.views import reviews as views

        size = views.PAGE_SIZE
        views.PAGE_SIZE = 2
        try:
            second = _queue_client(client_risk, page=2)
        finally:
            views.PAGE_SIZE = size
    assert len(second.context["page"].object_list) == 1 and second.context["page"].paginator.count == 3


def test_queue_filter_form_refuses_unknown_values_and_keeps_the_queue(client_risk):
    loan = _loan(date(2025, 10, 1))
    response = _queue_client(client_risk, bucket="M9", trigger="whatever")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"bucket", "trigger"}
    assert [row.pk for row in response.context["page"].object_list] == [loan.pk]


def _bulk_loans(template: Loan, count: int) -> None:
    from loans.models import Installment

    rows = []
    for i in range(count):
        clone = Loan.objects.get(pk=template.pk)
        clone.pk = None
        clone.contract_number = f"BULK{template.pk}-{i}"
        clone.dpd = i % 97
        clone.bucket = "M1" if i % 97 else "M0"
        clone.hardship_reported_on = date(2026, 2, 20) if i % 3 == 0 else None
        rows.append(clone)
    Loan.objects.bulk_create(rows)
    installments = [
        Installment(
            loan=loan,
            number=n,
            due_date=date(2026, 1 + n, 1),
            principal_due=D("1000.00"),
            interest_due=D("10.00"),
        )
        for loan in Loan.objects.filter(contract_number__startswith=f"BULK{template.pk}-")
        for n in (1, 2)
    ]
    Installment.objects.bulk_create(installments)


@pytest.mark.parametrize("count", [10, 1000])
def test_queue_page_and_export_queries_do_not_grow_with_the_loans(client_risk, django_assert_max_num_queries, count):
    # given 10 or 1,000 loans due for review (a mix of DPD and signals)
    _bulk_loans(_loan(date(2025, 10, 1)), count)
    # when the first page and a filtered, sorted page are read, then the query count is the same small number
    with django_assert_max_num_queries(12):
        response = _queue_client(client_risk)
    assert response.status_code == 200 and len(response.context["page"].object_list) == min(count + 1, 50)
    with django_assert_max_num_queries(12):
        _queue_client(client_risk, trigger="hardship", sort="-next_due", page=2)


def test_queue_xlsx_export_of_the_filtered_queue_is_formula_safe(client_risk):
    import io

    from openpyxl import load_workbook

    from tests.customers.factories import make_customer

    hostile = make_customer(name="=HYPERLINK(1)")
    late = _set(make_loan(customer=hostile, disbursement_date=date(2025, 10, 1)), dpd=12, bucket="M1")
    _loan(date(2025, 10, 1))  # periodic only: filtered out
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=SH)):
        response = client_risk.get(reverse("loans:review_queue_xlsx"), {"trigger": "overdue"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0][:4] == ("Contract number", "Customer", "Product", "Days past due")
    assert len(values) == 2
    contract, name, _product, dpd, bucket, balance = values[1][:6]
    assert (contract, name, dpd, bucket) == (late.contract_number, "'=HYPERLINK(1)", 12, "M1")
    # principal 12,000.00 + interest due by 2026-03-01 (120.00 + 110.54), as a number the spreadsheet can sum
    assert balance == 12230.54
    assert values[1][-1] == "overdue、periodic"


def test_review_form_shows_the_loans_figures(client_risk):
    loan = _set(_loan(date(2025, 10, 1)), dpd=7, bucket="M1", hardship_reported_on=date(2026, 2, 20))
    at = datetime(2026, 2, 28, 9, tzinfo=SH)
    with time_machine.travel(at):
        services.repayment_post(loan=loan, amount=D("300.00"), received_at=at, channel="app", external_id="REV-1")
    _set(loan, dpd=7, bucket="M1")
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=SH)):
        response = client_risk.get(reverse("loans:review_new", args=[loan.pk]))
    figures = response.context["figures"]
    assert figures.last_repayment.external_id == "REV-1"
    assert set(figures.reasons) == {"hardship", "overdue", "periodic"}
    page = response.content.decode()
    assert 'data-testid="review-figures"' in page and "2026-02-28" in page and "2026-02-20" in page


def test_a_stale_shared_count_never_cuts_rows_off_the_page(client_risk):
    # given the count of the queue cached when it held one loan, and three loans due now
    first = _loan(date(2025, 10, 1))
    assert _queue_client(client_risk).context["page"].paginator.count == 1
    _loan(date(2025, 10, 1))
    _loan(date(2025, 10, 1))
    # when the page is read within the minute, then every row still shows
    response = _queue_client(client_risk)
    assert len(response.context["page"].object_list) == 3 and first.pk in {r.pk for r in response.context["page"]}


def test_pages_in_risk_order_match_the_full_sort_across_dpd_ties_and_signals(client_risk):
    # given nine queued loans: DPD ties at 30 and 10 split by a hardship signal, and current loans at 0 DPD
    spec = [
        (30, False),
        (30, True),
        (30, False),
        (10, False),
        (10, True),
        (5, False),
        (0, True),
        (0, False),
        (0, False),
    ]
    for dpd, hardship in spec:
        loan = _set(_loan(date(2025, 10, 1)), dpd=dpd, bucket="M1" if dpd else "M0")
        if hardship:
            _set(loan, hardship_reported_on=date(2026, 2, 20))
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=SH)):
        expected = [loan.pk for loan in review_queue()]
    # when risk reads the queue two rows a page (every page boundary falls inside or beside a DPD tie)
    from loans.views import reviews as views

    size, views.PAGE_SIZE = views.PAGE_SIZE, 2
    try:
        seen = []
        for number in range(1, 6):
            page = _queue_client(client_risk, page=number).context["page"]
            seen += [loan.pk for loan in page.object_list]
    finally:
        views.PAGE_SIZE = size
    # then the pages, read from the DPD index, are exactly the full risk order cut in pieces
    assert len(expected) == 9
    assert seen == expected
