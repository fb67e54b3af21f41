"""Varnish in front of the app: the VCL it runs and the tag purges the app sends it.

Reader responses name their cache tags in an ``xkey`` header (``article-12 home ...``);
Varnish's xkey vmod indexes cached objects by them. When tagged content changes,
``purge_tags`` (listed in ``CACHE_TAG_PURGERS`` when ``VARNISH_URLS`` is set) sends each
Varnish server a ``PURGE`` request whose ``xkey-purge`` header lists the tags, and the
VCL that ``manage.py varnish_vcl`` prints drops every object carrying any of them.
"""

import http.client
import ipaddress
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

PURGE_HEADER = "xkey-purge"
# A purge waits at most this long for a Varnish, so one that is down cannot hold up
# the editor's save for long.
PURGE_TIMEOUT_SECONDS = 2
# Varnish refuses request headers over 8 KB (http_req_hdr_len); larger tag sets go
# in several requests.
MAX_PURGE_HEADER_BYTES = 4000

# Never shared between readers: the back office, signed previews, newsletter token
# pages and the health check. POSTs and requests with a cookie are passed as well.
PASS_PREFIXES = (
    "/admin/",
    "/articles/preview/",
    "/newsletter/confirm/",
    "/newsletter/unsubscribe/",
    "/healthz",
)
# Query parameters that only trackers read: the same page, so the same cache entry.
TRACKING_PARAMETERS = (r"utm_[^=&]*", "fbclid", "gclid")
# While the app answers, how long past its lifetime a copy may be served as it is
# refreshed in the background (Varnish's own default_grace).
DEFAULT_GRACE_SECONDS = 10

HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def purge_tags(tags):
    """Drop every object tagged with any of ``tags`` from each Varnish in VARNISH_URLS.

    Failures are logged, never raised: a Varnish that is down must not fail a save.
    """
    servers = settings.VARNISH_URLS
    batches = list(_header_batches(sorted({str(tag) for tag in tags if tag})))
    if not servers or not batches:
        return
    if len(servers) == 1:
        _purge_server(servers[0], batches)
        return
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        for server in servers:
            pool.submit(_purge_server, server, batches)


def _header_batches(tags):
    batch, size = [], 0
    for tag in tags:
        if batch and size + 1 + len(tag) > MAX_PURGE_HEADER_BYTES:
            yield " ".join(batch)
            batch, size = [], 0
        batch.append(tag)
        size += len(tag) + 1
    if batch:
        yield " ".join(batch)


def _purge_server(base_url, batches):
    parts = urlsplit(base_url)
    connection_class = (
        http.client.HTTPSConnection
        if parts.scheme == "https"
        else http.client.HTTPConnection
    )
    for batch in batches:
        connection = connection_class(
            parts.hostname, parts.port, timeout=PURGE_TIMEOUT_SECONDS
        )
        try:
            connection.request(
                "PURGE", parts.path or "/", headers={PURGE_HEADER: batch}
            )
            response = connection.getresponse()
            reason = response.reason
            response.read()
        except (OSError, http.client.HTTPException, ValueError) as error:
            logger.warning("Varnish purge at %s failed: %s", base_url, error)
            return
        finally:
            connection.close()
        if response.status == 200:
            logger.debug("Varnish at %s: %s (%s)", base_url, reason, batch)
        else:
            logger.warning(
                "Varnish at %s refused the purge: %s %s%s",
                base_url,
                response.status,
                reason,
                " (is this app server in VARNISH_PURGE_FROM?)"
                if response.status == 403
                else "",
            )
            return


def vcl(backend, *, purge_from, grace=DEFAULT_GRACE_SECONDS):
    """The Varnish 7 VCL for an app served at ``backend`` (``host:port``).

    ``purge_from`` lists the addresses or networks allowed to purge. Raises
    ValueError, naming the culprit, for a backend or address it cannot use.
    """
    host, port = parse_backend(backend)
    if grace < 0:
        raise ValueError("grace cannot be negative")
    return render_to_string(
        "core/varnish.vcl",
        {
            "backend_host": host,
            "backend_port": port,
            "purge_acl": [_acl_entry(entry) for entry in purge_from],
            "pass_regex": "^(" + "|".join(map(re.escape, PASS_PREFIXES)) + ")",
            "tracking_regex": "|".join(TRACKING_PARAMETERS),
            "grace": int(grace),
        },
    )


def parse_backend(backend):
    """``127.0.0.1:8000``, ``[::1]:8000`` or ``app.internal:8000`` → (host, port)."""
    host, separator, port = backend.strip().rpartition(":")
    if not separator or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"backend {backend!r} is not HOST:PORT")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not HOSTNAME.match(host):
            raise ValueError(
                f"backend host {host!r} is not an address or a name"
            ) from None
    return host, int(port)


def _acl_entry(entry):
    try:
        network = ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        raise ValueError(
            f"VARNISH_PURGE_FROM: {entry!r} is not an IP address or network"
        ) from None
    if network.prefixlen == network.max_prefixlen:
        return f'"{network.network_address}"'
    return f'"{network.network_address}"/{network.prefixlen}'
