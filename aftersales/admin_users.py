"""User and group admin that match the roles: back office keeps names, email and the active flag, nothing more.

Superuser and staff flags, permissions, groups (roles) and passwords are offered and accepted only for a superuser
who passed the second factor (aftersales.admin_guard.may_change_privileges). Back office adds accounts without a
password; an admin superuser sets the first password and the role.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from aftersales.admin_guard import audit_before_remember, may_change_privileges
from aftersales.permissions import ROLE_LABELS

User = get_user_model()


class BackOfficeUserCreationForm(forms.ModelForm):
    """A new account without a usable password and without any role."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email")

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        user.is_staff = False
        user.is_superuser = False
        if commit:
            user.save()
        return user


class BackOfficeUserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "is_active")


class PortalUserAdmin(UserAdmin):
    """Django's user admin for a verified superuser; names, email and active flag for everyone else."""

    list_display = ("username", "first_name", "last_name", "email", "is_active", "roles_display", "is_staff")
    list_filter = ("is_active", "groups", "is_staff", "is_superuser")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles_display(self, obj) -> str:
        labels = [str(ROLE_LABELS.get(group.name, group.name)) for group in obj.groups.all()]
        return ", ".join(sorted(labels)) or "—"

    @admin.display(description=_("admin access"))
    def admin_access_display(self, obj) -> str:
        if obj.is_superuser:
            return _("Superuser")
        return _("Admin site") if obj.is_staff else _("None")

    def get_fieldsets(self, request, obj=None):
        if may_change_privileges(request):
            return super().get_fieldsets(request, obj)
        if obj is None:
            return ((None, {"fields": ("username", "first_name", "last_name", "email")}),)
        return (
            (None, {"fields": ("username",)}),
            (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (
                _("Status (roles and admin access are set by an admin with a second factor)"),
                {"fields": ("is_active", "roles_display", "admin_access_display", "last_login", "date_joined")},
            ),
        )

    def get_readonly_fields(self, request, obj=None):
        if may_change_privileges(request):
            return super().get_readonly_fields(request, obj)
        readonly = ("roles_display", "admin_access_display", "last_login", "date_joined")
        return ("username", *readonly) if obj is not None else readonly

    def get_form(self, request, obj=None, **kwargs):
        if may_change_privileges(request):
            return super().get_form(request, obj, **kwargs)
        kwargs["form"] = BackOfficeUserCreationForm if obj is None else BackOfficeUserChangeForm
        return admin.ModelAdmin.get_form(self, request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        # A superuser account is changed only by another verified superuser (no locking the admin out).
        if obj is not None and obj.is_superuser and not may_change_privileges(request):
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Everyone changes their own password on the portal's page (it asks for the old one).
        if not may_change_privileges(request):
            raise PermissionDenied
        stored = User._default_manager.filter(pk=id).first()
        if stored is not None and request.method == "POST":
            audit_before_remember(request, stored)  # the audit log records that it changed, never the hash
        return super().user_change_password(request, id, form_url)


class PortalGroupAdmin(GroupAdmin):
    """Roles and their permissions: changed only by a verified superuser (the migrations keep them in step)."""

    def has_add_permission(self, request):
        return may_change_privileges(request)

    def has_change_permission(self, request, obj=None):
        return may_change_privileges(request)

    def has_delete_permission(self, request, obj=None):
        return may_change_privileges(request)


for _model, _admin in ((User, PortalUserAdmin), (Group, PortalGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
