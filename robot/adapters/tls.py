"""TLS towards the register services, and the checks their settings must pass when a source starts.

Production addresses (anything but this machine) must be https, and the municipality's client
certificate (SITHS/organisation certificate, with its key) must be configured and valid today: the
services accept only mutual TLS. The server is always verified against the CA bundle (the
configured one, else certifi's public bundle) and its host name; there is no setting that turns
verification off. Plain http is accepted only for an address on this machine (the simulator), and
never when a client certificate is configured (the settings then mean production).

A problem is a `ValueError` whose message names the variable to fix, raised when the source is
created (at start), not at the first call. A certificate that expires within
`EXPIRY_WARNING_DAYS` is logged as a warning at start and shown by `robot ssbtek ping`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from robot import logs

if TYPE_CHECKING:
    import httpx

log = logs.get("robot.tls")

EXPIRY_WARNING_DAYS = 30
_LOCAL_NAMES = {"localhost", "localhost.localdomain"}
_PLAIN_URL = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[(?P<ipv6>[0-9a-f:]+)\])"
    r"(?::[0-9]{1,5})?(?:[/?#][!-~]*)?",
    re.ASCII | re.IGNORECASE,
)
"""The shape every real address has (scheme, a host name or IP address, a port, a path of printable ASCII),
which these checks read themselves: any other string is left to httpx, whose reading they keep (a worker
then need not import httpx at start, ~30 ms)."""
_IPV4_SHAPE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")


@dataclass(frozen=True)
class Endpoint:
    """Where a register service is and how to reach it (one `[ssbtek]` or `[agi]` section)."""

    service: str
    """The service's name in messages: SSBTEK, AGI."""
    variable: str
    """The prefix of its environment variables: ROBOT_SSBTEK, ROBOT_AGI."""
    url: str
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_bundle: Path | None = None

    @property
    def local(self) -> bool:
        """Whether the address is on this machine (the simulator): then http and no certificate are allowed."""
        return is_local(self.url)


@dataclass(frozen=True)
class Certificate:
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime

    def days_left(self, now: dt.datetime) -> int:
        return (self.not_after - now).days


class NotAUrl(ValueError):
    """What httpx refuses as a URL."""


def _plain(url: str) -> re.Match[str] | None:
    """`url` in the plain shape, where httpx would read the same scheme and host; None for anything else."""
    plain = _PLAIN_URL.fullmatch(url) if isinstance(url, str) else None
    if plain is None or plain["host"].lower().startswith("xn--"):
        return None  # an IDNA name: httpx decodes it
    try:
        if plain["ipv6"] is not None:
            ipaddress.IPv6Address(plain["ipv6"])
        elif _IPV4_SHAPE.fullmatch(plain["host"]):
            ipaddress.IPv4Address(plain["host"])
    except ValueError:
        return None  # a malformed address: httpx refuses it
    return plain


def url_scheme(url: str) -> str:
    """The URL's scheme in lowercase, as httpx reads it; NotAUrl where httpx refuses the URL."""
    plain = _plain(url)
    return plain["scheme"].lower() if plain is not None else _httpx_url(url).scheme


def url_host(url: str) -> str:
    """The URL's host in lowercase (an IPv6 address without its brackets), as httpx reads it; NotAUrl where
    httpx refuses the URL."""
    plain = _plain(url)
    if plain is not None:
        return (plain["ipv6"] or plain["host"]).lower()
    return (_httpx_url(url).host or "").lower()  # httpx decodes the host only here (IDNA), and may refuse it then


def _httpx_url(url: str) -> httpx.URL:
    """httpx's reading of a URL of any other shape (imported only then); NotAUrl where httpx refuses it."""
    import httpx

    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise NotAUrl(url) from None


def is_local(url: str) -> bool:
    try:
        host = url_host(url)
    except NotAUrl:
        return False
    return is_local_host(host)


def is_local_host(host: str) -> bool:
    """Whether a host (in lowercase) names this machine: localhost or a loopback address."""
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: Endpoint, now: dt.datetime | None = None) -> Certificate | None:
    """Refuse settings that would not be safe or would not work; the client certificate's dates if one is set.

    `now` is the real time (certificates are checked against it in every TLS handshake).
    """
    e, v = endpoint, endpoint.variable
    try:
        scheme = url_scheme(e.url)
    except NotAUrl:
        raise ValueError(f"{v}_URL: {e.url!r} is not a URL") from None
    if scheme not in ("http", "https"):
        raise ValueError(f"{v}_URL: {e.service} is called over https (got {scheme or 'no scheme'})")
    if scheme == "http" and not e.local:
        raise ValueError(
            f"{v}_URL: {e.service} must be called over https; http is only for a simulator on this machine"
        )
    if scheme == "http" and (e.client_cert is not None or e.client_key is not None):
        raise ValueError(
            f"{v}_URL: a client certificate is configured ({v}_CLIENT_CERT), so {e.service} must be called over "
            "https; plain http would send the questions unencrypted"
        )
    if e.client_key is not None and e.client_cert is None:
        raise ValueError(f"{v}_CLIENT_KEY is set without {v}_CLIENT_CERT")
    if e.client_cert is None:
        if not e.local:
            raise ValueError(
                f"{v}_CLIENT_CERT: {e.service} accepts only mutual TLS; set the municipality's client certificate"
            )
        return None
    certificate = certificate_info(e.client_cert, f"{v}_CLIENT_CERT")
    now = now or dt.datetime.now(dt.UTC)
    if now < certificate.not_before:
        raise ValueError(
            f"{v}_CLIENT_CERT: the client certificate is valid only from {certificate.not_before:%Y-%m-%d}"
        )
    if now > certificate.not_after:
        raise ValueError(f"{v}_CLIENT_CERT: the client certificate expired on {certificate.not_after:%Y-%m-%d}")
    days = certificate.days_left(now)
    if days < EXPIRY_WARNING_DAYS:
        log.warning("tls.certificate_expires_soon", service=e.service, days_left=days,
                    expires=certificate.not_after.date().isoformat())  # fmt: skip
    return certificate


def certificate_info(path: Path, variable: str) -> Certificate:
    """The first certificate in a PEM file (the client's own, before its intermediates)."""
    from cryptography import x509

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{variable}: cannot read {path} ({exc.strerror})") from None
    try:
        certificate = x509.load_pem_x509_certificates(data)[0]
    except ValueError:
        raise ValueError(f"{variable}: {path} holds no PEM certificate") from None
    return Certificate(
        subject=certificate.subject.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def client_context(endpoint: Endpoint) -> ssl.SSLContext:
    """Verifying TLS with the CA bundle (else certifi's public bundle) and, when set, the client certificate."""
    e, v = endpoint, endpoint.variable
    try:
        if e.ca_bundle is not None:
            context = ssl.create_default_context(cafile=str(e.ca_bundle))
        else:
            import certifi

            context = ssl.create_default_context(cafile=certifi.where())
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"{v}_CA_BUNDLE {e.ca_bundle}: cannot be read as CA certificates ({exc})") from None
    if e.client_cert is not None:
        try:
            context.load_cert_chain(certfile=str(e.client_cert), keyfile=str(e.client_key) if e.client_key else None)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"{v}_CLIENT_CERT/{v}_CLIENT_KEY: cannot load the client certificate ({exc})") from None
    return context
