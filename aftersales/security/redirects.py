"""Where a `next` parameter may send the browser: a path on this site, never another host.

Every view that honours `next` (or any "return to" value from the client) goes through `safe_next`, so that
`https://evil.example`, `//evil.example`, `/\\evil.example` and `javascript:` never leave the portal.
"""

from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_next(request, url: str) -> bool:
    """True when `url` is a path on this site (no scheme, no host, no backslash or control-character trick)."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    if any(ord(ch) < 32 or ch == "\\" for ch in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def safe_next(request, default: str = "home", *, param: str = "next") -> str:
    """The `next` of the POST (or query string) when it is a local path, else `default` (a URL name or path)."""
    candidate = request.POST.get(param) or request.GET.get(param) or ""
    if is_safe_next(request, candidate):
        return candidate
    return resolve_url(default)
