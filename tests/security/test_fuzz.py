"""Bad input everywhere: hypothesis-generated values posted to every form and public endpoint of the project.

For every URL in the RBAC matrix (tests/<app>/rbac.py, which also builds the objects detail pages need), as a
role that may use it (anonymous for public pages): the page is opened, every form on it found (inputs, selects,
textareas, the action URL), and generated values are submitted (empty, huge, unicode, SQL and HTML fragments,
negative and enormous amounts, impossible dates). Then:

* never a server error (the test client re-raises any exception a view lets through);
* never an unescaped value in an HTML page (the markers below never appear raw);
* nothing saved half-way: a submission that is refused (4xx, or the form shown again with errors) changes no row.

Webhooks are signed like Twilio would sign them, so the fuzzed values reach the parsing code.
"""

from __future__ import annotations

import importlib
import os
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.rbac_support import ALL_ROLES, ANON

# Examples per URL (FUZZ_EXAMPLES=50 for a deeper run).
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
XSS_MARKERS = ["<script>x</script>", '"><img src=x onerror=alert(1)>', "<b onmouseover=alert(2)>hi</b>"]
NASTY = [
    "",
    " ",
    *XSS_MARKERS,
    "' OR '1'='1' --",
    "'; DROP TABLE customers_customer; --",
    "1; SELECT pg_sleep(5)",
    "-1",
    "-0.01",
    "-99999999999999999999999",
    "99999999999999999999999.999",
    "1e308",
    "NaN",
    "Infinity",
    "0",
    "0.001",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "1900-01-01",
    "2026-11-28T25:61",
    "31/02/2026",
    "\x00",
    "null\x00byte",
    "😀" * 30,
    "١٢٣٤",
    "ｆｕｌｌｗｉｄｔｈ",
    "A" * 5000,
    "中" * 3000,
    "%s%s%n%x",
    "../../../../etc/passwd",
    "{{ 7*7 }}{% debug %}",
    "\r\nSet-Cookie: x=1",
    "+8613800138000",
    "11010519491231002X",
    "6222020200112233446",
    "on",
    "true",
    "[]",
    "{}",
]
value_strategy = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=80),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
    st.dates().map(str),
)
# Tables an invalid submission may legitimately touch (the audit log records refused attempts, sessions, axes).
VOLATILE_TABLES = {"aftersales.auditentry", "aftersales.notification", "sessions.session", "aftersales.heartbeat"}
COUNTED_APPS = {*django_settings.LOCAL_APPS, "auth"}
TWILIO_FIELDS = [
    "From",
    "To",
    "Body",
    "MessageSid",
    "SmsSid",
    "MessageStatus",
    "CallSid",
    "CallStatus",
    "ErrorCode",
    "Price",
]


def all_cases():
    cases = []
    for app in django_settings.LOCAL_APPS:
        try:
            module = importlib.import_module(f"tests.{app}.rbac")
        except ModuleNotFoundError:
            continue
        cases.extend(module.CASES)
    from tests.aftersales.rbac_security import SECURITY_CASES

    names = {c.url_name for c in cases}
    cases.extend(c for c in SECURITY_CASES if c.url_name not in names)
    return [c for c in cases if c.url_name not in {"logout", "set_language"}]


class FormFinder(HTMLParser):
    """Every <form> of a page: method, action and field names (with the options of selects)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action"),
                "fields": {},
            }
            self.forms.append(self._current)
        elif self._current is not None and tag in {"input", "select", "textarea"} and attrs.get("name"):
            name = attrs["name"]
            if name in {"csrfmiddlewaretoken"} or attrs.get("type") in {"submit", "button", "file"}:
                return
            self._current["fields"].setdefault(name, [])
            if tag == "select":
                self._select = name
            elif attrs.get("type") in {"radio", "checkbox"} and attrs.get("value"):
                self._current["fields"][name].append(attrs["value"])
        elif tag == "option" and self._current is not None and self._select and attrs.get("value"):
            self._current["fields"][self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def row_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in VOLATILE_TABLES or model._meta.app_label not in COUNTED_APPS:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[label] = model._base_manager.count()
    return counts


def who_may_use(case) -> str | None:
    if case.expect.get(ANON) in (200, 302) and case.url_name not in {"home", "login"} and case.expect.get(ANON) == 200:
        return ANON
    for role in ALL_ROLES:
        if case.expect.get(role) in (200, 302):
            return role
    return None


def sign_twilio(url: str, data: dict) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(django_settings.TWILIO_AUTH_TOKEN).compute_signature(url, data)


def looks_refused(response) -> bool:
    if response.status_code >= 400:
        return True
    if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
        body = response.content.decode(errors="replace")
        return "is-invalid" in body or "errorlist" in body or "invalid-feedback" in body
    return False


def check_response(response, *, where: str):
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if "text/html" in response.get("Content-Type", "") and not response.streaming:
        body = response.content.decode(errors="replace")
        raw = [m for m in XSS_MARKERS if m in body]
        assert raw == [], f"{where}: unescaped {raw}"


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("case", all_cases(), ids=lambda c: f"{c.method}:{c.url_name}")
def test_fuzz_every_form_and_endpoint(case, client, make_staff, settings):
    settings.TWILIO_AUTH_TOKEN = "fuzz-token"
    settings.TWILIO_ACCOUNT_SID = "ACfuzz"
    settings.PUBLIC_BASE_URL = "http://testserver"
    settings.RATELIMIT_ENABLED = False
    role = who_may_use(case)
    if role is None:
        pytest.skip("no role may use this URL")
    args = case.args() if case.args else []
    url = reverse(case.url_name, args=args)
    if role != ANON:
        client.force_login(make_staff(f"fuzz_{role}", role))

    # the targets: forms found on the page, plus the endpoint itself when it takes a POST
    targets: list[tuple[str, str, dict]] = []
    if case.method == "get":
        page = client.get(url)
        check_response(page, where=f"GET {url}")
        if page.status_code == 200 and "text/html" in page.get("Content-Type", ""):
            finder = FormFinder()
            finder.feed(page.content.decode(errors="replace"))
            for form in finder.forms:
                action = form["action"] or url
                path = urlparse(urljoin(url, action)).path
                if path.startswith(("/accounts/logout", "/language")):
                    continue
                if form["fields"]:
                    targets.append((form["method"], path, form["fields"]))
    else:
        fields = {key: [] for key in case.data}
        if "webhook" in case.url_name:
            fields.update({key: [] for key in TWILIO_FIELDS})
        targets.append(("post", url, fields or {"value": []}))
    if not targets:
        pytest.skip("no form on this page")

    @hsettings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def submit(data):
        method, path, fields = data.draw(st.sampled_from(targets))
        payload = {}
        for name, options in fields.items():
            choices = [st.sampled_from(options)] if options else []
            payload[name] = data.draw(st.one_of(value_strategy, *choices))
        before = row_counts() if method == "post" else None
        extra = {}
        if method == "post" and "webhook" in path:
            extra["HTTP_X_TWILIO_SIGNATURE"] = sign_twilio(f"http://testserver{path}", payload)
        response = getattr(client, method)(path, payload, **extra)
        check_response(response, where=f"{method.upper()} {path} {payload!r:.300}")
        if before is not None and looks_refused(response):
            after = row_counts()
            changed = {k: (before[k], after[k]) for k in before if before[k] != after.get(k)}
            assert changed == {}, f"{method.upper()} {path}: refused but saved {changed}"

    submit()


def test_the_fuzz_covers_the_public_endpoints():
    names = {c.url_name for c in all_cases()}
    for expected in ("inquiries:online",):
        assert expected in names
    webhooks = [n for n in names if "webhook" in n]
    assert webhooks, "the Twilio webhooks are in the matrix"


# ---------------------------------------------------------------------------------------------------------------
# Every GET URL × every known query parameter × hostile values, as every role and a superuser: never a 5xx.
# ---------------------------------------------------------------------------------------------------------------

HUGE_INT = "99999999999999999999"  # 20 digits: beyond 64 bits (SQLite's integers)
PARAM_VALUES = ["abc", "-1", "0", "2026-02-30", HUGE_INT]
ALWAYS_PARAMS = ["page", "sort", "q"]
# Names the views read from request.GET outside a rendered form (derived once from `grep request.GET` over the
# views and the forms they bind to GET), by URL namespace; the names of every GET form and every link on the page
# itself are added at run time.
VIEW_PARAMS = {
    "": ["user", "action", "object_type", "object_id", "date_from", "date_to"],
    "customers": ["status"],
    "loans": ["status", "trigger", "month", "year", "product", "bucket"],
    "inquiries": ["category", "channel", "mobile", "view", "status", "state"],
    "complaints": ["all", "inquiry", "kind", "status", "month"],
    "reminders": ["status", "date", "channel"],
    "staff": ["format", "month", "dir", "kpi", "all", "year", "period", "date", "start", "end", "trend", "team"]
    + ["staff", "outcome"],
    "security": ["customer", "reason"],
}
# A parameter a page needs to show anything at all (kept while the others are fuzzed).
BASE_QUERY = {"staff:records": {"kpi": "sla"}}
SUPERUSER = "superuser"


class QueryNames(HTMLParser):
    """The parameter names a page offers: fields of its GET forms and query keys of its links to the same path."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.names: set[str] = set()
        self._get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in {"input", "select", "textarea"} and self._get_form and attrs.get("name"):
            if attrs.get("type") not in {"submit", "button", "file"}:
                self.names.add(attrs["name"])
        elif tag == "a" and attrs.get("href"):
            from urllib.parse import parse_qsl

            link = urlparse(urljoin(self.path, attrs["href"]))
            if link.path == self.path:
                self.names |= {key for key, _ in parse_qsl(link.query, keep_blank_values=True)}

    def handle_endtag(self, tag):
        if tag == "form":
            self._get_form = False


SOLO_VALUES = ["abc", HUGE_INT]


def _case_args(case) -> list:
    """The case's reverse() args; factories of different apps may pick the same customer number: try again."""
    from django.db import IntegrityError, transaction

    if not case.args:
        return []
    for attempt in range(100):
        try:
            with transaction.atomic():
                return case.args()
        except IntegrityError:
            if attempt == 99:
                raise
    return []


def _get_cases():
    return [c for c in all_cases() if c.method == "get"]


def _may_open(case, role: str) -> bool:
    if role == SUPERUSER:
        return any(case.expect.get(r) in (200, 302) for r in ALL_ROLES)
    return case.expect.get(role) in (200, 302)


def _request(client, url: str, query: dict, failures: list, where: str):
    try:
        response = client.get(url, query)
    except Exception as exc:  # noqa: BLE001 — the test client re-raises whatever a view lets through
        failures.append(f"{where}: {exc.__class__.__name__}: {exc}"[:300])
        return None
    if response.status_code >= 500:
        failures.append(f"{where}: {response.status_code}")
    return response


def _fuzz_urls(client, role: str, first_role: dict) -> list[str]:
    failures: list[str] = []
    for case in _get_cases():
        if not _may_open(case, role):
            continue
        url = reverse(case.url_name, args=_case_args(case))
        base = BASE_QUERY.get(case.url_name, {})
        page = _request(client, url, base, failures, f"{role} GET {url}")
        names = set(ALWAYS_PARAMS) | set(VIEW_PARAMS.get(case.url_name.rpartition(":")[0], []))
        if page is not None and page.status_code == 200 and "text/html" in page.get("Content-Type", ""):
            finder = QueryNames(url)
            finder.feed(page.content.decode(errors="replace"))
            names |= finder.names
        names -= {"csrfmiddlewaretoken", "next"}
        # every value in every parameter at once, as every role that may open the page
        for value in PARAM_VALUES:
            query = {**dict.fromkeys(names, value), **base}
            _request(client, url, query, failures, f"{role} GET {url} all={value}")
        # each parameter alone (the values that reach the parsing code: text and a 20-digit integer), as the first
        # role that may open the page
        if first_role.get(case.url_name) == role:
            for name in sorted(names):
                for value in SOLO_VALUES:
                    _request(client, url, {**base, name: value}, failures, f"{role} GET {url} {name}={value}")
    return failures


def _admin_changelists():
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        queries = [{"p": "abc"}, {"o": "abc"}, {"p": HUGE_INT}, {"q": "abc"}]
        if model_admin.date_hierarchy:
            field = model_admin.date_hierarchy
            queries += [
                {f"{field}__year": HUGE_INT},
                {f"{field}__year": "9999", f"{field}__month": "12"},
                {f"{field}__year": "2026", f"{field}__month": "2", f"{field}__day": "30"},
                {f"{field}__year": "abc"},
            ]
        yield url, queries


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*ALL_ROLES, SUPERUSER])
def test_every_get_url_survives_hostile_parameters(role, client, make_staff, settings):
    """abc, -1, 0, 2026-02-30 and a 20-digit integer in every known parameter of every GET URL: never a 5xx."""
    settings.RATELIMIT_ENABLED = False
    if role == SUPERUSER:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_superuser("fuzz_root", "root@example.com", "x")
    else:
        user = make_staff(f"fuzz_{role}", role)
    client.force_login(user)
    first_role = {}
    for case in _get_cases():
        allowed = [r for r in ALL_ROLES if case.expect.get(r) in (200, 302)]
        if allowed:
            first_role[case.url_name] = allowed[0]
    # when
    failures = _fuzz_urls(client, role, first_role)
    if role in (SUPERUSER, "back_office"):
        for url, queries in _admin_changelists():
            for query in queries:
                _request(client, url, query, failures, f"{role} GET {url} {query}")
    # then
    assert failures == [], "\n".join(failures[:40])


def test_the_parameter_fuzz_covers_every_get_url_and_every_admin_changelist():
    from django.contrib import admin

    from tests.aftersales.test_rbac import named_urls

    get_names = {c.url_name for c in _get_cases()}
    post_names = {c.url_name for c in all_cases() if c.method == "post"}
    # every named URL of the project is requested (GET) or is a POST-only endpoint
    assert named_urls() - get_names - post_names - {"logout", "set_language", "password_change_done"} == set()
    assert "staff:training" in get_names and "staff:records" in get_names
    assert len(list(_admin_changelists())) == len(admin.site._registry)
