"""The admin matches the roles: back office never gets, nor can forge, admin power; every admin change is audited."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftersales import permissions as roles
from aftersales.models import AuditEntry
from tests.loans.factories import make_loan, make_product

PRIVILEGE_INPUTS = {
    "is_superuser",
    "is_staff",
    "groups",
    "user_permissions",
    "permissions",
    "password",
    "password1",
    "password2",
    "usable_password",
}
INPUT_NAME = re.compile(r'<(?:input|select|textarea)\s(?:[^>]*?\s)?name="([^"]+)"')


def offered_inputs(response) -> set[str]:
    return set(INPUT_NAME.findall(response.content.decode()))


def form_data(response) -> dict:
    """The change form's current values, as the browser would post them back unchanged."""
    form = response.context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        value = form[name].value()
        widget = field.widget
        if hasattr(widget, "decompress") and not isinstance(value, (list, tuple)):
            for i, part in enumerate(widget.decompress(value)):
                if part is not None:
                    data[f"{name}_{i}"] = str(part)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    for inline in response.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


@pytest.fixture
def verified_superuser_client(db, django_user_model):
    """A superuser signed in who has passed the second factor (django-otp marks the session verified)."""
    user = django_user_model.objects.create_superuser("root_admin", "root@example.com", "x-pass-98765")
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_every_admin_form_offers_back_office_no_privilege_field(
    client_back_office, back_office, manager, agent, sample_customer
):
    # given at least one record of the main models
    make_loan(customer=sample_customer)
    pages = 0
    back_office_permissions = Group.objects.get(name=roles.BACK_OFFICE).permissions.count()
    forged = {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [str(Group.objects.get(name=roles.MANAGER).pk)],
        "user_permissions": [str(Permission.objects.get(codename="view_audit_log").pk)],
        "permissions": [str(Permission.objects.get(codename="view_audit_log").pk)],
        "password": "md5$forged$0123456789abcdef",
        "role": roles.MANAGER,
    }
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_add")]
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        for url in urls:
            # when back office opens the form
            response = client_back_office.get(url)
            # then it is refused or shows no input that grants power
            assert response.status_code in (200, 302, 403), (url, response.status_code)
            if response.status_code != 200:
                continue
            pages += 1
            offered = offered_inputs(response)
            assert not offered & PRIVILEGE_INPUTS, (url, offered & PRIVILEGE_INPUTS)
            if opts.label_lower == "org.staffprofile":
                assert not offered & {"role", "user"}, url
            # and a forged post of the privilege fields on the same form grants nothing
            data = {**form_data(response), **forged}
            assert client_back_office.post(url, data).status_code in (200, 302, 403), url
    assert pages >= 20  # back office really reached the forms it keeps (products, policies, staff, assets, …)
    back_office.refresh_from_db()
    manager.refresh_from_db()
    assert (back_office.is_superuser, manager.is_superuser) == (False, False)
    assert set(back_office.groups.values_list("name", flat=True)) == {roles.BACK_OFFICE}
    assert not back_office.user_permissions.exists()
    assert back_office.check_password("test-pass-12345") and manager.check_password("test-pass-12345")
    assert Group.objects.get(name=roles.BACK_OFFICE).permissions.count() == back_office_permissions


def test_back_office_cannot_make_itself_superuser_with_a_forged_post(client_back_office, back_office, manager):
    # given back office's own account page
    url = reverse("admin:auth_user_change", args=[back_office.pk])
    data = form_data(client_back_office.get(url))
    manager_group = Group.objects.get(name=roles.MANAGER)
    permission = Permission.objects.get(codename="view_full_pii")
    # when it posts the privilege fields the form does not offer
    data.update(
        {
            "first_name": "Bea",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [str(manager_group.pk)],
            "user_permissions": [str(permission.pk)],
            "password": "md5$forged$0123456789abcdef",
        }
    )
    response = client_back_office.post(url, data)
    # then only the name changed
    assert response.status_code == 302, response.content[:2000]
    back_office.refresh_from_db()
    assert back_office.first_name == "Bea"
    assert back_office.is_superuser is False
    assert back_office.is_staff is True  # as before: back office uses the admin
    assert set(back_office.groups.values_list("name", flat=True)) == {roles.BACK_OFFICE}
    assert not back_office.user_permissions.exists()
    assert back_office.check_password("test-pass-12345")
    # and the same session still cannot open the audit log
    assert client_back_office.get(reverse("audit_log")).status_code in (302, 403)


def test_back_office_cannot_set_another_users_password_or_role(client_back_office, manager, agent):
    before = manager.password
    password_url = reverse("admin:auth_user_password_change", args=[manager.pk])
    # when back office opens or posts the password form of another user  # then it is refused
    assert client_back_office.get(password_url).status_code == 403
    response = client_back_office.post(password_url, {"password1": "Taken-over-2026", "password2": "Taken-over-2026"})
    assert response.status_code == 403
    # when it posts a password hash and the manager role onto the agent's account page
    url = reverse("admin:auth_user_change", args=[agent.pk])
    data = form_data(client_back_office.get(url))
    data.update({"password": "md5$x$y", "groups": [str(Group.objects.get(name=roles.MANAGER).pk)]})
    assert client_back_office.post(url, data).status_code == 302
    # then neither changed
    manager.refresh_from_db()
    agent.refresh_from_db()
    assert manager.password == before
    assert agent.check_password("test-pass-12345")
    assert set(agent.groups.values_list("name", flat=True)) == {roles.AGENT}


def test_back_office_cannot_give_a_role_through_the_staff_profile(client_back_office, agent):
    profile = agent.staff_profile
    url = reverse("admin:org_staffprofile_change", args=[profile.pk])
    response = client_back_office.get(url)
    assert response.status_code == 200
    data = form_data(response)
    data.update({"role": roles.MANAGER, "work_phone": "010-8888-0001"})
    assert client_back_office.post(url, data).status_code == 302
    profile.refresh_from_db()
    assert profile.work_phone == "010-8888-0001"
    assert profile.role == roles.AGENT
    assert set(agent.groups.values_list("name", flat=True)) == {roles.AGENT}
    # nor by creating a second profile
    assert client_back_office.get(reverse("admin:org_staffprofile_add")).status_code == 403


def test_back_office_adds_accounts_without_password_nor_power(client_back_office, django_user_model):
    response = client_back_office.post(
        reverse("admin:auth_user_add"),
        {
            "username": "new_agent",
            "first_name": "Nia",
            "email": "nia@example.com",
            "password1": "Chosen-by-bo-2026",
            "password2": "Chosen-by-bo-2026",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    user = django_user_model.objects.get(username="new_agent")
    assert (user.first_name, user.is_superuser, user.is_staff) == ("Nia", False, False)
    assert not user.has_usable_password()


def test_back_office_cannot_change_a_superuser_nor_the_groups(client_back_office, admin_user):
    assert (
        client_back_office.post(reverse("admin:auth_user_change", args=[admin_user.pk]), {"is_active": ""}).status_code
        == 403
    )
    admin_user.refresh_from_db()
    assert admin_user.is_active
    group = Group.objects.get(name=roles.BACK_OFFICE)
    count = group.permissions.count()
    superuser_permission = Permission.objects.get(codename="view_audit_log")
    response = client_back_office.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": roles.BACK_OFFICE, "permissions": [str(superuser_permission.pk)]},
    )
    assert response.status_code == 403
    assert group.permissions.count() == count


def test_a_superuser_without_the_second_factor_cannot_change_roles(admin_client, agent):
    url = reverse("admin:auth_user_change", args=[agent.pk])
    response = admin_client.get(url)
    assert "groups" not in offered_inputs(response) and "is_superuser" not in offered_inputs(response)
    data = form_data(response)
    data["groups"] = [str(Group.objects.get(name=roles.MANAGER).pk)]
    admin_client.post(url, data)
    assert set(agent.groups.values_list("name", flat=True)) == {roles.AGENT}


def test_a_verified_superuser_changes_roles_and_it_is_audited(verified_superuser_client, agent):
    # given an admin superuser past the second factor
    url = reverse("admin:auth_user_change", args=[agent.pk])
    response = verified_superuser_client.get(url)
    assert {"groups", "is_superuser", "user_permissions"} <= offered_inputs(response)
    data = form_data(response)
    data["groups"] = [str(Group.objects.get(name=roles.SUPERVISOR).pk)]
    # when it gives the agent the supervisor role
    response = verified_superuser_client.post(url, data)
    # then the role changed and the portal's audit log says who, what, before and after
    assert response.status_code == 302, response.content[:2000]
    assert set(agent.groups.values_list("name", flat=True)) == {roles.SUPERVISOR}
    entry = AuditEntry.objects.get(action="admin_change", object_type="auth.user", object_id=str(agent.pk))
    assert entry.actor_name == "root_admin"
    assert entry.changes["groups"] == [roles.AGENT, roles.SUPERVISOR]
    assert "password" not in entry.changes and "is_superuser" not in entry.changes


def test_an_admin_change_of_a_product_fee_is_audited_with_before_and_after(client_back_office, back_office):
    # given a product with a late fee of 0.00
    product = make_product(late_fee=Decimal("0.00"), grace_days=3)
    url = reverse("admin:loans_product_change", args=[product.pk])
    data = form_data(client_back_office.get(url))
    # when back office sets the fee to 12.50 and the grace days to 5
    data.update({"late_fee": "12.50", "grace_days": "5"})
    response = client_back_office.post(url, data, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302, response.content[:2000]
    # then one audit entry holds who, what, before and after
    entry = AuditEntry.objects.get(action="admin_change", object_type="loans.product")
    assert entry.actor_id == back_office.pk and entry.object_id == str(product.pk)
    assert set(entry.changes) == {"late_fee", "grace_days"}
    assert [Decimal(v) for v in entry.changes["late_fee"]] == [Decimal("0.00"), Decimal("12.50")]
    assert entry.changes["grace_days"] == [3, 5]


def test_an_admin_deletion_is_audited(client_back_office):
    product = make_product(name="Retired product", late_fee=Decimal("7.25"))
    pk = product.pk
    response = client_back_office.post(reverse("admin:loans_product_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin_delete", object_type="loans.product")
    assert entry.object_id == str(pk)
    assert Decimal(entry.changes["late_fee"][0]) == Decimal("7.25") and entry.changes["late_fee"][1] is None


def test_secrets_are_never_written_to_the_audit_log(verified_superuser_client, agent):
    # when a verified superuser sets the agent's password in the admin
    url = reverse("admin:auth_user_password_change", args=[agent.pk])
    response = verified_superuser_client.post(
        url, {"password1": "New-pass-2026-x", "password2": "New-pass-2026-x", "usable_password": "true"}
    )
    assert response.status_code == 302, response.content[:2000]
    agent.refresh_from_db()
    assert agent.check_password("New-pass-2026-x")
    # then the log says the password changed, without the hash
    entry = AuditEntry.objects.get(action="admin_change", object_type="auth.user", object_id=str(agent.pk))
    assert entry.changes == {"password": ["***", "***"]}


def test_every_registered_admin_is_guarded():
    from aftersales.admin_guard import PortalAdminMixin

    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, PortalAdminMixin), model
    with pytest.raises(NoReverseMatch):
        reverse("admin:auth_user_password_change")
