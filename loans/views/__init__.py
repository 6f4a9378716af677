"""The loan pages, by concern; urls.py uses the names re-exported here."""

from loans.views.contracts import loan_create
from loans.views.documents import restructure_agreement, settlement_certificate
from loans.views.exports import loan_list_xlsx
from loans.views.pages import loan_detail, loan_list
from loans.views.repayments import loan_settle, repayment_post, repayment_reverse
from loans.views.reports import reconciliation, revenue_csv, revenue_report
from loans.views.restructuring import (
    restructure_accept,
    restructure_approve,
    restructure_detail,
    restructure_list,
    restructure_new,
    restructure_reject,
    restructure_review,
)
from loans.views.reviews import review_new, review_queue, review_queue_xlsx
from loans.views.waivers import waiver_decide, waiver_list, waiver_request

__all__ = [
    "loan_create",
    "loan_detail",
    "loan_list",
    "loan_list_xlsx",
    "loan_settle",
    "reconciliation",
    "repayment_post",
    "repayment_reverse",
    "restructure_accept",
    "restructure_agreement",
    "restructure_approve",
    "restructure_detail",
    "restructure_list",
    "restructure_new",
    "restructure_reject",
    "restructure_review",
    "revenue_csv",
    "revenue_report",
    "review_new",
    "review_queue",
    "review_queue_xlsx",
    "settlement_certificate",
    "waiver_decide",
    "waiver_list",
    "waiver_request",
]
