"""Every admin page, for every model: privilege fields only for a verified superuser, every change audit-logged.

`admin_site_guard()` runs once the admin has imported every app's admin.py (AftersalesConfig.ready) and mixes
`PortalAdminMixin` into each registered ModelAdmin, third-party ones included (auth, celery beat, django-otp, axes).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from aftersales.audit import audit_log, diff_changes
from aftersales.one_time_links import mask_one_time_links

# Form fields that grant power over accounts: offered and accepted only for a superuser with a second factor.
PRIVILEGE_FIELDS = frozenset(
    {"is_superuser", "is_staff", "groups", "user_permissions", "permissions", "password", "password1", "password2"}
    | {"usable_password"}
)
SECRET_MASK = "***"


def may_change_privileges(request) -> bool:
    """Only an active superuser who passed the second factor (django-otp) may grant roles or admin power."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active or not user.is_superuser:
        return False
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def is_privilege_field(model: type[models.Model], name: str) -> bool:
    """A field that grants power: by name, or any relation to auth groups or permissions."""
    if name in PRIVILEGE_FIELDS:
        return True
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only or display-only name
        return False
    related = getattr(field, "related_model", None)
    return related is not None and related._meta.label_lower in {"auth.group", "auth.permission"}


def _strip(model, fields) -> list:
    kept = []
    for entry in fields:
        if isinstance(entry, (list, tuple)):
            line = [name for name in entry if not is_privilege_field(model, name)]
            if line:
                kept.append(tuple(line))
        elif not is_privilege_field(model, entry):
            kept.append(entry)
    return kept


def _is_secret(field) -> bool:
    return field.name in {"password", "token"} or "Encrypted" in type(field).__name__


def record_snapshot(obj: models.Model) -> dict[str, Any]:
    """The record's field values for the audit log (relations by id, many-to-many by name)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        values[field.name] = field.value_from_object(obj)
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = ", ".join(sorted(str(related) for related in getattr(obj, field.name).all()))
    return values


def record_changes(model: type[models.Model], before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for what changed; secrets (passwords, encrypted PII) never written, PII masked."""
    secret = {f.name for f in model._meta.concrete_fields if _is_secret(f)}
    plain_before = {k: v for k, v in before.items() if k not in secret}
    plain_after = {k: v for k, v in after.items() if k not in secret}
    changes = {
        name: [mask_one_time_links(v) if isinstance(v, str) else v for v in pair]
        for name, pair in diff_changes(plain_before, plain_after).items()
    }
    for name in sorted(secret & (set(before) | set(after))):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [SECRET_MASK if old else "", SECRET_MASK if new else ""]
    return changes


def _fresh(obj: models.Model) -> models.Model | None:
    return type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk is not None else None


def audit_before_remember(request, stored: models.Model) -> None:
    """Keep the record as stored before an admin change; log_change writes the difference to the audit log."""
    if not hasattr(request, "_portal_audit_before"):
        request._portal_audit_before = {}
    request._portal_audit_before[(stored._meta.label_lower, stored.pk)] = record_snapshot(stored)


class PortalAdminMixin:
    """Mixed into every registered ModelAdmin: the privilege guard and the audit trail."""

    # ---- privilege guard: never offered ------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if may_change_privileges(request):
            return fieldsets
        kept = []
        for name, options in fieldsets:
            fields = _strip(self.model, options.get("fields", ()))
            if fields:
                kept.append((name, {**options, "fields": fields}))
        return kept

    def get_exclude(self, request, obj=None):
        exclude = super().get_exclude(request, obj)
        if may_change_privileges(request):
            return exclude
        names = [f.name for f in self.model._meta.get_fields() if is_privilege_field(self.model, f.name)]
        return [*(exclude or ()), *names]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if may_change_privileges(request):
            return form
        declared = {name: None for name in form.base_fields if is_privilege_field(self.model, name)}
        return type(form.__name__, (form,), declared) if declared else form

    # ---- privilege guard: never accepted (whatever the form) ---------------------------------------

    def save_model(self, request, obj, form, change):
        stored = _fresh(obj) if change else None
        if not may_change_privileges(request):
            for field in obj._meta.concrete_fields:
                if is_privilege_field(self.model, field.name):
                    if stored is not None:
                        setattr(obj, field.attname, getattr(stored, field.attname))
                    elif field.name != "password":
                        setattr(obj, field.attname, field.get_default())
        if stored is not None:
            audit_before_remember(request, stored)
        super().save_model(request, obj, form, change)

    # ---- audit trail ---------------------------------------------------------------------------------

    def _audit(self, request, obj, action: str, before: dict, after: dict) -> None:
        changes = record_changes(type(obj), before, after)
        if action == "admin_change" and not changes:
            return
        audit_log(actor=request.user, action=action, obj=obj, changes=changes, request=request)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "admin_add", {}, record_snapshot(obj))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        before = getattr(request, "_portal_audit_before", {}).get((obj._meta.label_lower, obj.pk))
        if before is not None:
            stored = _fresh(obj)
            self._audit(request, obj, "admin_change", before, record_snapshot(stored or obj))
        return entry

    def save_formset(self, request, form, formset, change):
        model = formset.model
        ids = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
        before = {o.pk: record_snapshot(o) for o in model._default_manager.filter(pk__in=ids)}
        pks = {id(f.instance): f.instance.pk for f in formset.initial_forms}
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "new_objects", []):
            self._audit(request, obj, "admin_add", {}, record_snapshot(obj))
        for obj, _fields in getattr(formset, "changed_objects", []):
            self._audit(request, obj, "admin_change", before.get(obj.pk, {}), record_snapshot(obj))
        for obj in getattr(formset, "deleted_objects", []):
            obj.pk = obj.pk if obj.pk is not None else pks.get(id(obj))
            self._audit(request, obj, "admin_delete", before.get(obj.pk, {}), {})

    def delete_model(self, request, obj):
        before, pk = record_snapshot(obj), obj.pk
        super().delete_model(request, obj)
        obj.pk = obj.pk if obj.pk is not None else pk
        self._audit(request, obj, "admin_delete", before, {})

    def delete_queryset(self, request, queryset):
        gone = [(obj, record_snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, before in gone:
            self._audit(request, obj, "admin_delete", before, {})


def admin_site_guard(site: admin.AdminSite | None = None) -> None:
    """Mix the guard and the audit trail into every ModelAdmin registered on the site (once each)."""
    site = site or admin.site
    for model, model_admin in list(site._registry.items()):
        cls = type(model_admin)
        if isinstance(model_admin, PortalAdminMixin):
            continue
        guarded = type(cls.__name__, (PortalAdminMixin, cls), {"__module__": cls.__module__})
        site._registry[model] = guarded(model, site)
