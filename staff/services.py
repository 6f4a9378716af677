"""Writes for staff members: creation with a role, role changes and duty status."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from aftersales.audit import audit_log
from aftersales.permissions import BACK_OFFICE, MANAGER, ROLES
from org.models import Department, StaffProfile, Team
from staff.models import Asset, AssetAssignment

User = get_user_model()


@transaction.atomic
def staff_member_create(
    *,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    department: Department | None = None,
    team: Team | None = None,
    work_phone: str = "",
    on_duty: bool = False,
    language: str = "zh-hans",
) -> StaffProfile:
    """Create a user with a staff profile and put it in its role's group."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_password(password)
    user.is_staff = role in (BACK_OFFICE, MANAGER)  # back office and managers use the Django admin
    user.full_clean()
    user.save()
    profile = StaffProfile(
        user=user,
        role=role,
        department=department,
        team=team,
        work_phone=work_phone,
        on_duty=on_duty,
        on_duty_since=timezone.now() if on_duty else None,
        language=language,
    )
    profile.full_clean()
    profile.save()
    staff_role_sync(profile=profile)
    return profile


def staff_role_sync(*, profile: StaffProfile) -> None:
    """Make the user's role groups match the profile's role."""
    user = profile.user
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=profile.role))
    user.groups.add(Group.objects.get_or_create(name=profile.role)[0])


@transaction.atomic
def staff_duty_set(
    *, profile: StaffProfile, on_duty: bool, actor: AbstractBaseUser | None = None, request: HttpRequest | None = None
) -> StaffProfile:
    """Put a staff member on or off duty (inquiry assignment uses it)."""
    if profile.on_duty == on_duty:
        return profile
    profile.on_duty = on_duty
    profile.on_duty_since = timezone.now() if on_duty else None
    profile.save(update_fields=["on_duty", "on_duty_since"])
    audit_log(
        actor=actor,
        action="duty_on" if on_duty else "duty_off",
        obj=profile,
        request=request,
        changes={"on_duty": [not on_duty, on_duty]},
    )
    return profile


@transaction.atomic
def asset_retire(
    *, asset: Asset, on: date, reason: str, actor: AbstractBaseUser | None = None, request: HttpRequest | None = None
) -> Asset:
    """Retire an asset: it leaves its holder and the register keeps it as retired."""
    previous = asset.assigned_to_id
    asset.status = Asset.Status.RETIRED
    asset.retired_on = on
    asset.retirement_reason = str(reason)[:200]
    asset.assigned_to = None
    asset.full_clean()
    asset.save()
    asset_assignment_track(asset=asset, previous_staff_id=previous)
    audit_log(actor=actor, action="asset_retire", obj=asset, changes={"status": ["", "retired"]}, request=request)
    return asset


def asset_assignment_track(*, asset: Asset, previous_staff_id: int | None) -> None:
    """Close the previous holder's assignment and open the new one's."""
    today = timezone.localdate()
    if previous_staff_id:
        AssetAssignment.objects.filter(asset=asset, staff_id=previous_staff_id, returned_on__isnull=True).update(
            returned_on=today
        )
    if asset.assigned_to_id:
        AssetAssignment.objects.create(
            asset=asset, staff_id=asset.assigned_to_id, assigned_on=asset.assigned_on or today
        )
