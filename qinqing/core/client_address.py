"""The address of the client behind the documented reverse proxy.

``X-Forwarded-For`` is believed only when the connection comes from a proxy named in
``QINQING_TRUSTED_PROXIES`` (addresses or networks, comma-separated). Otherwise anyone could
write the header and pick the address the rate limit and the login lockout count against;
and without it, behind the proxy every client would share the proxy's address, so one
attacker could lock every account for everyone.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest


@cache
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    ip = _parse(address)
    networks = _networks(tuple(getattr(settings, "QINQING_TRUSTED_PROXIES", ())))
    return ip is not None and any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the nearest untrusted hop of X-Forwarded-For, read from the right,
    when the connection comes from a trusted proxy; the connecting address otherwise."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    if not is_trusted_proxy(remote):
        return remote  # "" when unknown: axes stores it in an address column (NULL then)
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    for hop in reversed(hops):
        if _parse(hop) is None:
            return remote  # a garbled header is not believed
        if not is_trusted_proxy(hop):
            return str(hop)
    return str(hops[0]) if hops else remote
