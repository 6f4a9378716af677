"""Every named portal URL, requested as anonymous and as each role, answers as its app's rbac.py says."""

import importlib

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.rbac_support import ALL_ROLES, ANON

# URL names outside the matrix, with the reason.
EXEMPT = {
    "password_change_done",  # a confirmation page reached only after a change
}


def all_cases():
    cases = []
    for app in settings.LOCAL_APPS:
        try:
            module = importlib.import_module(f"tests.{app}.rbac")
        except ModuleNotFoundError:
            continue
        cases.extend(module.CASES)
    return cases


def named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= named_urls(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


def test_every_named_url_is_in_the_matrix():
    covered = {case.url_name for case in all_cases()}
    missing = sorted(named_urls() - covered - EXEMPT)
    assert not missing, f"add these URLs to tests/<app>/rbac.py: {missing}"


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: f"{c.method}:{c.url_name}")
def test_rbac_matrix(case, client, make_staff, db):
    args = case.args() if case.args else []
    url = reverse(case.url_name, args=args)
    users = {role: make_staff(f"rbac_{role}", role) for role in ALL_ROLES}
    seen = {}
    for who in [ANON, *ALL_ROLES]:
        client.logout()
        if who != ANON:
            client.force_login(users[who])
        response = getattr(client, case.method)(url, data=case.data)
        seen[who] = response.status_code
    expected = {who: case.expect[who] for who in [ANON, *ALL_ROLES]}
    assert seen == expected
