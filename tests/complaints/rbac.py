"""Every complaints URL for every role (tests/aftersales/test_rbac.py runs the matrix)."""

from aftersales import permissions as roles
from tests.rbac_support import allow, public

FRONT_LINE = sorted(roles.FRONT_LINE)
HANDLE = [roles.AGENT, roles.SUPERVISOR, roles.MANAGER]
LEADERS = [roles.SUPERVISOR, roles.MANAGER]
INCIDENTS = [roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE]
LEGAL = [roles.LEGAL_ADVISOR, roles.MANAGER]


def _complaint():
    from tests.complaints.factories import make_complaint

    return make_complaint()


def _complaint_id():
    return [_complaint().pk]


def _inquiry_id():
    from django.utils import timezone

    from inquiries.models import Inquiry

    inquiry = Inquiry.objects.create(
        reference="INQ-RBAC-1",
        channel="hotline",
        subject="Fee dispute",
        received_at=timezone.now(),
        first_response_due=timezone.now(),
    )
    return [inquiry.pk]


def _evidence_id():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from complaints.services import evidence_add

    evidence = evidence_add(complaint=_complaint(), upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF"))
    return [evidence.pk]


def _visit_id():
    from datetime import date

    from complaints.models import CallbackVisit

    return [CallbackVisit.objects.create(complaint=_complaint(), scheduled_for=date(2026, 12, 1)).pk]


def _incident_id():
    from complaints.services import incident_open

    return [incident_open(kind="system_outage", title="Core system down").pk]


def _plan_id():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from complaints.models import ContingencyPlan
    from complaints.services import plan_save

    plan = ContingencyPlan(title="Outage plan", kind="system_outage", summary="Switch to paper")
    return [plan_save(plan=plan, document=SimpleUploadedFile("p.pdf", b"%PDF-1.4\n%%EOF")).pk]


def _suggestion_id():
    from complaints.models import SuggestionCategory
    from complaints.services import suggestion_create

    category = SuggestionCategory.objects.create(code="app", name="App")
    return [suggestion_create(channel="online", category=category, text="Add a repayment calendar").pk]


def _action_id():
    from django.contrib.auth import get_user_model

    from complaints.models import ImprovementAction

    owner = get_user_model().objects.create(username="action_owner")
    return [ImprovementAction.objects.create(title="Fix", owner=owner).pk]


def post(url_name, allowed, args, ok=302, data=None):
    # Empty or invalid posts re-render the page (200) or redirect back (302); both prove access was allowed.
    return allow(url_name, allowed, args=args, method="post", ok=ok, data=data)


CASES = [
    allow("complaints:list", FRONT_LINE),
    allow("complaints:list_xlsx", FRONT_LINE),  # (#17)
    # (#17) issuing is a POST; a complaint without a decision is refused back to its page
    allow("complaints:decision_letter", FRONT_LINE, args=_complaint_id, method="post", ok=302),
    allow("complaints:new", HANDLE),
    public("complaints:public_new"),
    post("complaints:convert_inquiry", HANDLE, _inquiry_id),
    allow("complaints:convert_inquiry", HANDLE, args=_inquiry_id),
    allow("complaints:legal_queue", LEGAL),
    allow("complaints:detail", FRONT_LINE, args=_complaint_id),
    # Revealing a text as written needs customers.view_full_pii: of the complaint readers only managers hold it.
    allow(
        "complaints:text_reveal",
        [roles.MANAGER],
        args=_complaint_id,
        method="post",
        data={"field": "description", "reason": "check"},
    ),
    allow("complaints:edit", HANDLE, args=_complaint_id),
    post("complaints:assign", HANDLE, _complaint_id, ok=200),
    post("complaints:acknowledge", HANDLE, _complaint_id),
    post("complaints:investigate", HANDLE, _complaint_id),
    post("complaints:note_add", FRONT_LINE, _complaint_id, data={"body": "Called the branch"}),
    post("complaints:evidence_add", FRONT_LINE, _complaint_id, ok=200),
    allow("complaints:evidence_download", FRONT_LINE, args=_evidence_id),
    post("complaints:extend", LEADERS, _complaint_id, ok=200),
    post("complaints:decide", HANDLE, _complaint_id, ok=200),
    post("complaints:inform", HANDLE, _complaint_id, ok=200),
    post("complaints:close", HANDLE, _complaint_id, ok=200),
    post("complaints:reopen", HANDLE, _complaint_id, ok=200),
    post("complaints:satisfaction", HANDLE, _complaint_id, ok=200),
    post("complaints:escalate_legal", HANDLE, _complaint_id, ok=200),
    post("complaints:callback_complete", LEADERS, _visit_id),
    allow("complaints:incidents", INCIDENTS),
    allow("complaints:incident_new", INCIDENTS),
    allow("complaints:incident_detail", INCIDENTS, args=_incident_id),
    post("complaints:incident_entry", INCIDENTS, _incident_id, ok=200),
    post("complaints:incident_update", INCIDENTS, _incident_id, data={"severity": "high"}),
    post("complaints:incident_resolve", INCIDENTS, _incident_id, ok=200),
    allow("complaints:preparedness", INCIDENTS),
    allow("complaints:plan_new", INCIDENTS),
    allow("complaints:plan_document", INCIDENTS, args=_plan_id),
    allow("complaints:drill_new", INCIDENTS),
    allow("complaints:suggestions", LEADERS),
    allow("complaints:suggestion_new", FRONT_LINE),
    allow("complaints:suggestion_detail", LEADERS, args=_suggestion_id),
    post("complaints:suggestion_status", LEADERS, _suggestion_id, data={"status": "reviewed"}),
    post("complaints:action_new", LEADERS, _suggestion_id, ok=200),
    post("complaints:action_status", LEADERS, _action_id, data={"status": "done"}),
]
