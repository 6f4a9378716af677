from aftersales import permissions as roles
from tests.rbac_support import ALL_ROLES, allow


def _customer_pk():
    from tests.customers.factories import make_customer

    return [make_customer().pk]


EDITORS = [roles.BACK_OFFICE, roles.MANAGER]
CONTACT_RECORDERS = [roles.AGENT, roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE]

CASES = [
    allow("customers:list", ALL_ROLES),
    allow("customers:list_xlsx", ALL_ROLES),  # masked PII only, like the list (#17)
    allow("customers:create", EDITORS),
    allow("customers:detail", ALL_ROLES, args=_customer_pk),
    allow("customers:edit", EDITORS, args=_customer_pk),
    allow("customers:data_report", [roles.MANAGER], args=_customer_pk),
    # Reveal needs customers.view_full_pii: managers and back office hold it.
    allow(
        "customers:reveal",
        EDITORS,
        args=_customer_pk,
        method="post",
        data={"field": "national_id", "reason": "RBAC matrix check"},
    ),
    allow(
        "customers:consent",
        CONTACT_RECORDERS,
        args=_customer_pk,
        method="post",
        ok=302,
        data={"action": "grant", "purpose": "marketing", "channel": "hotline"},
    ),
    allow(
        "customers:preferences",
        CONTACT_RECORDERS,
        args=_customer_pk,
        method="post",
        ok=302,
        data={"preferred_language": "zh-hans"},
    ),
]
