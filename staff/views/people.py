"""Duty status, who is on duty, training, and the staff profile page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.permissions import role_required
from aftersales.security.redirects import safe_next
from org.models import StaffProfile
from staff import selectors, training
from staff.forms import TrainingSessionForm, TrainingYearForm
from staff.models import TrainingSession
from staff.services import staff_duty_set


@require_POST
@role_required(*roles.STAFF_ROLES)
def duty_set(request):
    """Go on or off duty (a POST from a button anywhere; htmx gets the small toggle back)."""
    profile = get_object_or_404(StaffProfile, user=request.user)
    on_duty = request.POST.get("on_duty") in ("1", "true", "on")
    staff_duty_set(profile=profile, on_duty=on_duty, actor=request.user, request=request)
    if request.headers.get("HX-Request"):
        return render(request, "staff/_duty_toggle.html", {"profile": profile})
    messages.success(request, _("You are on duty now.") if on_duty else _("You are off duty now."))
    return HttpResponseRedirect(safe_next(request, "staff:profile"))


@role_required(*roles.LEADERS)
def on_duty(request):
    """Who is on duty now, by team."""
    profiles = (
        StaffProfile.objects.select_related("user", "team", "department")
        .filter(user__is_active=True)
        .exclude(role=roles.BACK_OFFICE)
        .order_by("-on_duty", "team__name", "user__username")
    )
    ids = selectors.visible_staff_ids(request.user)
    if ids is not None:
        profiles = profiles.filter(user_id__in=ids)
    profiles = list(profiles)
    return render(
        request,
        "staff/on_duty.html",
        {"profiles": profiles, "on_count": sum(1 for p in profiles if p.on_duty), "now": timezone.now()},
    )


def _profile_context(user) -> dict:
    profile = StaffProfile.objects.select_related("user", "team", "department", "team__supervisor").filter(user=user)
    profile = profile.first()
    year = timezone.localdate().year
    attended = (
        user.trainings.select_related("session").filter(session__held_on__year=year).order_by("-session__held_on")
    )
    return {
        "member": user,
        "profile": profile,
        "year": year,
        "hours": training.training_hours(user=user, year=year),
        "attended": attended,
        "assets": user.assets.order_by("asset_tag"),
        "infosec_due": training.infosec_due_date(profile) if profile else None,
        "today": timezone.localdate(),
    }


@role_required(*roles.STAFF_ROLES)
def profile(request):
    """The signed-in staff member's profile: duty status, training hours this year, equipment."""
    return render(request, "staff/profile.html", {**_profile_context(request.user), "own": True})


@role_required(*roles.LEADERS)
def member(request, pk: int):
    user = get_object_or_404(get_user_model(), pk=pk)
    if not selectors.may_see(request.user, user.pk):
        raise PermissionDenied
    return render(request, "staff/profile.html", {**_profile_context(user), "own": user == request.user})


@role_required(*roles.STAFF_ROLES)
def training_list(request):
    """Training sessions this year; leaders also see the team's hours and information-security due dates."""
    form = TrainingYearForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.warning(request, _("That year cannot be shown; showing this year instead."))
    year = form.get_year()
    sessions = (
        TrainingSession.objects.filter(held_on__year=year)
        .annotate(attendee_count=Count("attendances"))
        .order_by("-held_on")
    )
    leader = roles.has_role(request.user, *roles.LEADERS)
    context = {
        "year": year,
        "sessions": sessions,
        "my_hours": training.training_hours(user=request.user, year=year),
        "leader": leader,
        "today": timezone.localdate(),
    }
    if leader:
        ids = selectors.visible_staff_ids(request.user)
        team = StaffProfile.objects.select_related("user", "team").exclude(role=roles.BACK_OFFICE)
        if ids is not None:
            team = team.filter(user_id__in=ids)
        hours = dict(
            TrainingSession.objects.filter(held_on__year=year)
            .values_list("attendances__staff")
            .annotate(h=Sum("hours"))
            .values_list("attendances__staff", "h")
        )
        context["team"] = [
            {"profile": p, "hours": hours.get(p.user_id) or 0, "infosec_due": training.infosec_due_date(p)}
            for p in team.order_by("user__username")
        ]
    return render(request, "staff/training.html", context)


@role_required(*roles.LEADERS)
def training_new(request):
    ids = selectors.visible_staff_ids(request.user)
    people = get_user_model().objects.filter(staff_profile__isnull=False, is_active=True).order_by("username")
    if ids is not None:
        people = people.filter(pk__in=ids)
    form = TrainingSessionForm(request.POST or None, attendee_queryset=people)
    if request.method == "POST" and form.is_valid():
        training.training_session_create(
            **{f: form.cleaned_data[f] for f in ("title", "topic", "held_on", "hours", "trainer")},
            attendees=form.cleaned_data["attendees"],
            actor=request.user,
            request=request,
        )
        messages.success(request, _("Training session recorded."))
        return redirect("staff:training")
    return render(request, "staff/training_new.html", {"form": form})
