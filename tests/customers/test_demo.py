"""Demo customers: valid, unique, realistic, and a second run adds nothing."""

import io
import random
import re

import pytest

from aftersales.demo import DemoContext
from customers import demo, validators
from customers.models import ConsentRecord, Customer

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_tops_up():
    # given
    demo.seed(DemoContext(customers=40, stdout=io.StringIO()))
    consents = ConsentRecord.objects.count()
    # when: the same size again
    out = io.StringIO()
    demo.seed(DemoContext(customers=40, stdout=out))
    # then: nothing added
    assert Customer.objects.count() == 40
    assert ConsentRecord.objects.count() == consents
    assert "none added" in out.getvalue()
    # when: a larger size
    demo.seed(DemoContext(customers=55, stdout=io.StringIO()))
    assert Customer.objects.count() == 55
    assert sorted(Customer.objects.values_list("customer_number", flat=True))[-1] == "DM0000055"


def test_seeded_customers_are_valid_and_unique():
    demo.seed(DemoContext(customers=200, stdout=io.StringIO()))
    customers = list(Customer.objects.all())
    ids = [c.national_id for c in customers]
    assert len(set(ids)) == 200 and len({c.mobile for c in customers}) == 200
    for c in customers:
        validators.validate_resident_id(c.national_id)
        validators.validate_mainland_mobile(c.mobile)
        validators.validate_bank_card(c.bank_card)
        assert re.fullmatch(r"\+861[3-9]\d{9}", c.mobile)
        assert (c.date_of_birth, c.gender) == validators.birth_date_and_gender(c.national_id)
        assert 1 <= len(c.name) <= 4
    english = sum(c.preferred_language == "en" for c in customers)
    assert 5 <= english <= 40  # about 10 %
    assert any(c.email for c in customers) and any(not c.email for c in customers)
    assert any(c.voice_opt_out for c in customers)


def test_generators_are_deterministic():
    a, b = random.Random(7), random.Random(7)
    assert [demo.make_national_id(a) for _ in range(5)] == [demo.make_national_id(b) for _ in range(5)]


def test_make_national_id_honours_gender_and_date():
    from datetime import date

    rng = random.Random(1)
    for gender in "MF" * 20:
        number = demo.make_national_id(rng, area="310104", born=date(1985, 6, 9), gender=gender)
        assert number.startswith("31010419850609")
        assert validators.birth_date_and_gender(number) == (date(1985, 6, 9), gender)
