"""The actions posted from the complaint page: one form, one service, a message, back to the page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.permissions import role_required
from complaints import forms, services
from complaints.models import ComplaintNote
from complaints.views.common import HANDLE, LEADERS, VIEW, error_text
from complaints.views.complaints import complaint_or_404, detail_page


def _post_action(request, pk: int, form_class, form_key: str, run, success: str):
    """Shared shape of the POST actions: validate, call one service, message, back to the page (input kept on errors)."""
    complaint = complaint_or_404(pk)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return detail_page(request, complaint, status=200, **{form_key: form, "open_panel": form_key})
    try:
        result = run(complaint, form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        if form is not None:
            return detail_page(request, complaint, status=200, **{form_key: form, "open_panel": form_key})
        return redirect(complaint)
    except PermissionDenied:
        raise
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return redirect("complaints:detail", pk)


@require_POST
@role_required(*HANDLE)
def complaint_assign(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.AssignForm,
        "assign_form",
        lambda c, d: services.complaint_assign(
            complaint=c, assignee=d["assignee"], actor=request.user, request=request
        ),
        _("Complaint handed over."),
    )


def _notice_message(request, notice, sent_text: str):
    if notice is None:
        messages.warning(
            request,
            _(
                "No notice was sent: the complaint has no mobile number or email address. Contact the customer by phone."
            ),
        )
    elif notice.status == notice.Status.HELD:
        messages.warning(request, f"{sent_text} {notice.error}")
    elif notice.accepted:
        messages.success(request, sent_text)
    else:
        messages.warning(
            request,
            _("The notice could not be sent (%(error)s). Contact the customer by phone.") % {"error": notice.error},
        )


@require_POST
@role_required(*HANDLE)
def complaint_acknowledge(request, pk: int):
    def run(complaint, data):
        complaint, notice = services.complaint_acknowledge(complaint=complaint, actor=request.user, request=request)
        _notice_message(
            request,
            notice,
            _("Acknowledged; the reference %(ref)s was sent to the customer.") % {"ref": complaint.reference},
        )
        return complaint

    return _post_action(request, pk, None, "", run, "")


@require_POST
@role_required(*HANDLE)
def complaint_investigate(request, pk: int):
    return _post_action(
        request,
        pk,
        None,
        "",
        lambda c, d: services.complaint_investigate(complaint=c, actor=request.user, request=request),
        _("Investigation started."),
    )


@require_POST
@role_required(*VIEW)
def note_add(request, pk: int):
    def run(complaint, data):
        kind = (
            ComplaintNote.Kind.LEGAL if roles.has_role(request.user, roles.LEGAL_ADVISOR) else ComplaintNote.Kind.NOTE
        )
        return services.complaint_note_add(complaint=complaint, author=request.user, body=data["body"], kind=kind)

    return _post_action(request, pk, forms.NoteForm, "note_form", run, _("Note added."))


@require_POST
@role_required(*VIEW)
def evidence_add(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.EvidenceForm,
        "evidence_form",
        lambda c, d: services.evidence_add(
            complaint=c, upload=d["file"], description=d["description"], actor=request.user, request=request
        ),
        lambda ev: _("Evidence “%(name)s” stored.") % {"name": ev.original_name},
    )


@require_POST
@role_required(*LEADERS)
def complaint_extend(request, pk: int):
    def run(complaint, data):
        extension, notice = services.complaint_extend(
            complaint=complaint, actor=request.user, reason=data["reason"], request=request
        )
        _notice_message(
            request,
            notice,
            _("Deadline extended to %(date)s; the reason was sent to the customer.")
            % {"date": timezone.localtime(extension.new_due).date().isoformat()},
        )
        return extension

    return _post_action(request, pk, forms.ExtendForm, "extend_form", run, "")


@require_POST
@role_required(*HANDLE)
def complaint_decide(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.DecisionForm,
        "decision_form",
        lambda c, d: services.complaint_decide(
            complaint=c,
            actor=request.user,
            decision_text=d["decision_text"],
            remedy=d["remedy"],
            root_cause=d["root_cause"],
            remedy_amount=d["remedy_amount"],
            responsible_staff=d["responsible_staff"],
            request=request,
        ),
        _("Decision recorded. Send the decision letter to the customer."),
    )


@require_POST
@role_required(*HANDLE)
def complaint_inform(request, pk: int):
    complaint = complaint_or_404(pk)
    form = forms.InformForm(request.POST)
    if not form.is_valid():
        return detail_page(request, complaint, inform_form=form, open_panel="inform_form")
    try:
        complaint, notice = services.complaint_inform(
            complaint=complaint,
            actor=request.user,
            channel=form.cleaned_data["channel"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return detail_page(request, complaint, inform_form=form, open_panel="inform_form")
    if not notice.accepted:
        messages.error(
            request,
            _("The decision letter could not be sent (%(error)s). Nothing changed; try again or use the other channel.")
            % {"error": notice.error},
        )
        return detail_page(request, complaint, inform_form=form, open_panel="inform_form")
    sent_text = _("Decision letter sent to %(to)s.") % {"to": notice.to_masked}
    if notice.status == notice.Status.HELD:
        messages.warning(request, f"{sent_text} {notice.error}")
    else:
        messages.success(request, sent_text)
    return redirect(complaint)


@require_POST
@role_required(*HANDLE)
def complaint_close(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.CloseForm,
        "close_form",
        lambda c, d: services.complaint_close(
            complaint=c, actor=request.user, customer_satisfaction=d["customer_satisfaction"], request=request
        ),
        _("Complaint closed; a callback visit is scheduled."),
    )


@require_POST
@role_required(*HANDLE)
def complaint_reopen(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.ReopenForm,
        "reopen_form",
        lambda c, d: services.complaint_reopen(complaint=c, actor=request.user, reason=d["reason"], request=request),
        _("Complaint reopened."),
    )


@require_POST
@role_required(*HANDLE)
def complaint_satisfaction(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.SatisfactionForm,
        "satisfaction_form",
        lambda c, d: services.complaint_satisfaction_record(
            complaint=c, actor=request.user, score=d["score"], request=request
        ),
        _("Satisfaction recorded."),
    )


@require_POST
@role_required(*HANDLE)
def complaint_escalate_legal(request, pk: int):
    return _post_action(
        request,
        pk,
        forms.LegalEscalationForm,
        "legal_form",
        lambda c, d: services.complaint_escalate_legal(
            complaint=c, actor=request.user, legal_advisor=d["legal_advisor"], note=d["note"], request=request
        ),
        _("Escalated to legal."),
    )
