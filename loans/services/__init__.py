"""Writes of the loans app. Import from here: `from loans import services; services.repayment_post(...)`."""

from loans.services.common import (  # noqa: F401
    ContractRefused,
    DuplicateRepayment,
    FeeNotInContract,
    LoanError,
    bucket_for,
    installment_status,
    loan_refresh,
    received_at_check,
)
from loans.services.contracts import (  # noqa: F401
    apr_cap,
    clause_for,
    contract_preview,
    contract_terms_check,
    cost_cap_message,
    fee_charge,
    loan_cost,
    loan_create,
    schedule_term_months,
)
from loans.services.repayments import (  # noqa: F401
    AllocationLine,
    allocation_waterfall,
    repayment_post,
    repayment_reverse,
)
from loans.services.restructuring import (  # noqa: F401
    plan_preview,
    restructure_accept,
    restructure_approve,
    restructure_preview,
    restructure_propose,
    restructure_reject,
    restructure_review,
    restructure_step_involved,
)
from loans.services.reviews import loan_review_record, review_signals_refresh  # noqa: F401
from loans.services.settlement import SettlementQuote, loan_settle, settlement_quote  # noqa: F401
from loans.services.waivers import (  # noqa: F401
    fee_waiver_approve,
    fee_waiver_involved,
    fee_waiver_reject,
    fee_waiver_request,
    waivable_amount,
)
