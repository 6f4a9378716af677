"""The audit log in words (aftersales.audit_labels): actions, record types, fields and values."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from aftersales import audit_labels
from aftersales.audit import audit_log

ROOT = Path(__file__).resolve().parents[2]
APPS = ["aftersales", "customers", "loans", "inquiries", "reminders", "complaints", "staff", "org", "messaging"]


def test_every_recorded_action_has_a_label():
    # given every action code the code base passes to audit_log(action="...")
    codes = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            codes.update(re.findall(r'action="([a-z0-9_]+)"', path.read_text(encoding="utf-8")))
            codes.update(re.findall(r'_ACTION = "([a-z0-9_]+)"', path.read_text(encoding="utf-8")))
            codes.update(re.findall(r'"(admin_(?:add|change|delete))"', path.read_text(encoding="utf-8")))
    codes -= {"store_true"}  # argparse
    # then each one has a label
    assert len(codes) > 60
    assert sorted(codes - set(audit_labels.ACTION_LABELS)) == []


def test_labels_in_chinese():
    with translation.override("zh-hans"):
        assert audit_labels.action_label("2fa_enrolled") == "启用双重验证"
        assert audit_labels.action_label("pii_reveal") == "查看完整个人信息"
        assert audit_labels.action_label("made_up_code") == "made_up_code"  # unknown: the code, never an error
        assert audit_labels.record_display("auth.user", "3") == "用户 #3"
        assert audit_labels.model_label("no.such") == "no.such"
        # a revealed field named by its verbose name; booleans and nothing in words
        assert audit_labels.changes_display("customers.customer", {"field": "bank_card"}) == [("字段", "银行卡号")]
        assert audit_labels.value_label(False) == "否" and audit_labels.value_label(True) == "是"
        assert audit_labels.value_label([None, "backoffice"]) == "空 → backoffice"


def test_labels_in_english():
    with translation.override("en"):
        assert audit_labels.action_label("2fa_enrolled") == "Second factor set up"
        assert audit_labels.record_display("auth.user", "3") == "user #3"
        assert audit_labels.value_label(None) == "empty"


@pytest.mark.django_db
def test_the_audit_log_page_shows_words(client, make_staff):
    # given a manager reading in Chinese and entries with codes
    manager = make_staff("mgr_li", "manager", language="zh-hans")
    manager.first_name, manager.last_name = "建国", "李"
    manager.save()
    audit_log(actor=manager, action="2fa_enrolled", obj=manager)
    audit_log(
        actor=manager, action="loan_review", object_type="loans.loan", object_id="7", changes={"penalty_waived": False}
    )
    client.force_login(manager)
    # when the log is opened
    html = client.get(reverse("audit_log")).content.decode()
    # then actions, record types, names and values read as words
    assert "启用双重验证" in html and "2fa_enrolled</" not in html and "<code>2fa_enrolled" not in html
    assert "用户 #" in html and "auth.user" not in html.split("<tbody>")[1]
    assert "李建国" in html
    assert "penalty_waived" in html or "否" in html
    assert ": False" not in html
