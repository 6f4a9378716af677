"""Views of the security pages: second factor, session keep-alive, lockouts, customer data reports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from aftersales import permissions as roles
from aftersales.audit import audit_log
from aftersales.permissions import role_required
from aftersales.security import lockout, two_factor
from aftersales.security.forms import EnrolmentForm, SecondFactorForm
from aftersales.security.ratelimit import ratelimit
from aftersales.security.redirects import safe_next


def _next_url(request) -> str:
    return safe_next(request, "home")


def _user_key(request) -> str:
    return f"user:{request.user.pk}"


@never_cache
@login_required
@ratelimit("two_factor_enrol", rate="10/5m", methods=("POST",), key=_user_key)
def two_factor_enrol(request):
    """Set up the authenticator app: scan the QR code, confirm with a code, keep the recovery codes."""
    user = request.user
    # Someone who only knows the password must not replace an existing authenticator: verify first.
    if user_has_device(user, confirmed=True) and not user.is_verified():
        return redirect(f"{reverse('security:two_factor_verify')}?{urlencode({'next': _next_url(request)})}")
    device = two_factor.totp_device_for_enrolment(user=user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_enrolment_confirm(
            request=request, user=user, device=device, token=form.cleaned_data["token"]
        )
        if codes is not None:
            messages.success(request, _("Two-factor sign-in is set up."))
            return render(
                request, "registration/recovery_codes.html", {"codes": codes, "next": _next_url(request), "new": True}
            )
        form.add_error("token", _("That code is not right. Check the time on your phone and try the newest code."))
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_code_svg(device.config_url),
            "secret": two_factor.secret_for_display(device),
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
@ratelimit("two_factor_verify", rate="10/5m", methods=("POST",), key=_user_key)
def two_factor_verify(request):
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    user = request.user
    if not user_has_device(user, confirmed=True):
        return redirect(f"{reverse('security:two_factor_enrol')}?{urlencode({'next': _next_url(request)})}")
    if user.is_verified():
        return redirect(_next_url(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.second_factor_verify(request=request, user=user, token=form.cleaned_data["token"]):
            left = two_factor.recovery_codes_left(user=user)
            if left <= 3:
                messages.warning(
                    request,
                    _("Only %(count)s recovery codes left: make new ones from your user menu.") % {"count": left},
                )
            return redirect(_next_url(request))
        form.add_error("token", _("That code is not right. Try the newest code from your app, or a recovery code."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def recovery_codes(request):
    """Make a new set of recovery codes (the old ones stop working)."""
    if not request.user.is_verified():
        return redirect(f"{reverse('security:two_factor_verify')}?{urlencode({'next': request.path})}")
    if request.method == "POST":
        codes = two_factor.recovery_codes_regenerate(user=request.user)
        audit_log(actor=request.user, action="2fa_recovery_codes", obj=request.user, request=request)
        messages.success(request, _("New recovery codes made; the old ones no longer work."))
        return render(request, "registration/recovery_codes.html", {"codes": codes, "next": reverse("home")})
    return render(
        request,
        "registration/recovery_codes.html",
        {"codes": None, "left": two_factor.recovery_codes_left(user=request.user), "next": reverse("home")},
    )


@require_POST
@login_required
def session_keepalive(request):
    """'Stay signed in' from the idle warning: the request itself counts as activity."""
    return JsonResponse({"ok": True, "idle_seconds": settings.SESSION_IDLE_SECONDS})


@role_required(roles.MANAGER, roles.BACK_OFFICE)
def lockouts(request):
    """Sign-ins locked after repeated failures, with an unlock button for each."""
    return render(
        request,
        "registration/lockouts.html",
        {"lockouts": lockout.lockouts_current(), "failure_limit": settings.AXES_FAILURE_LIMIT},
    )


@require_POST
@role_required(roles.MANAGER, roles.BACK_OFFICE)
def lockout_release(request, attempt_id: int):
    """Unlock one sign-in before its cool-off time ends."""
    username = lockout.lockout_release(actor=request.user, attempt_id=attempt_id, request=request)
    if username is None:
        messages.info(request, _("That sign-in was no longer locked."))
    else:
        messages.success(request, _("%(username)s can sign in again.") % {"username": username})
    return redirect("security:lockouts")


def admin_login_redirect(request):
    """/admin/login/ goes through the portal's sign-in (lockout, rate limit, second factor)."""
    query = request.GET.urlencode()
    return redirect(f"{reverse('login')}?{query}" if query else reverse("login"))
