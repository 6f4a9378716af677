"""The client's address: REMOTE_ADDR, or the X-Forwarded-For hop a trusted proxy vouches for.

Every caller that needs "who is this" (the audit log, django-axes, the sign-in and public rate limits) uses
`client_ip(request)`, so they all agree. `settings.TRUSTED_PROXIES` lists the addresses or networks of our own
reverse proxies (nginx, a load balancer). When the request comes from one of them, X-Forwarded-For is walked
from the right, skipping further trusted proxies; the first address that is not one of ours is the client.
A request from anywhere else is judged by REMOTE_ADDR alone: its X-Forwarded-For is whatever it chose to send.
"""

from __future__ import annotations

import functools
import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            logger.error("TRUSTED_PROXIES: %r is not an address or network; ignored", entry)
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    """The networks of settings.TRUSTED_PROXIES (a list, or a comma-separated string)."""
    entries = settings.TRUSTED_PROXIES or ()
    if isinstance(entries, str):
        entries = entries.split(",")
    return _networks(tuple(e for e in entries if e and e.strip()))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: str, networks: tuple[Network, ...] | None = None) -> bool:
    """True when `address` belongs to one of settings.TRUSTED_PROXIES."""
    parsed = _parse(address)
    networks = trusted_networks() if networks is None else networks
    return parsed is not None and any(parsed.version == n.version and parsed in n for n in networks)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the right-most untrusted X-Forwarded-For hop behind trusted proxies."""
    if request is None:
        return None
    meta = getattr(request, "META", {}) or {}
    remote = _parse(meta.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = trusted_networks()
    if not networks or not is_trusted_proxy(str(remote), networks):
        return str(remote)
    hops = [hop for hop in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    client = remote
    for hop in reversed(hops):
        parsed = _parse(hop)
        if parsed is None:  # garbage in the chain: stop at the last hop we could vouch for
            break
        client = parsed
        if not is_trusted_proxy(str(parsed), networks):
            break
    return str(client)
