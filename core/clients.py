"""The client's address, behind however many proxies the deployment has.

Every proxy in front of the app appends the address it received the request from to
`X-Forwarded-For`, so the right-most entries are written by our own proxies and
everything to their left was sent by the client, who can write anything there. With
`TRUSTED_PROXY_COUNT` proxies (0: the app faces the internet), the client is the
right-most hop that no trusted proxy vouches for: the N-th entry from the right.
Rate limits, login throttling and anything else that keys on the client use
`client_ip()`, never `REMOTE_ADDR` or a header directly.
"""

import ipaddress

from django.conf import settings

IPV6_MASK = 64  # one subscriber line gets a whole /64: count it as one client


def _address(value):
    """`value` as a normalised IP address, or None. Accepts `addr:port`, `[v6]:port`."""
    value = value.strip()
    candidates = [value]
    if value.startswith("[") and "]" in value:
        candidates.append(value[1 : value.index("]")])
    elif value.count(":") == 1:
        candidates.append(value.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def client_ip(request):
    """The address of the client that sent `request` ("" if nothing says).

    With TRUSTED_PROXY_COUNT = N > 0: the N-th `X-Forwarded-For` entry from the
    right. A header with fewer entries (a request that came in past the outer
    proxies) gives its left-most entry, the farthest hop a trusted proxy saw; a
    missing, empty or malformed one gives the nearest proxy, `REMOTE_ADDR`.
    """
    remote = _address(request.META.get("REMOTE_ADDR") or "") or ""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    # Proxies never write an empty entry, so empties (", ,") are the client's own
    # and dropping them cannot shift the entries our proxies appended.
    hops = [hop for hop in header.split(",") if hop.strip()]
    if not hops:
        return remote
    hop = hops[-trusted] if len(hops) >= trusted else hops[0]
    return _address(hop) or remote


def ratelimit_key(group, request):
    """django-ratelimit `key=` callable: the client, IPv6 counted per /64."""
    address = client_ip(request)
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/{IPV6_MASK}", strict=False))
    return address
