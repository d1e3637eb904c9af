"""Production settings are checked when a source starts: the address, mutual TLS, the aktörsid, and the
client certificate's dates; `robot ssbtek ping` shows when the certificate expires."""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import example, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs
from typer.testing import CliRunner

from robot.adapters.agi.client import AgiSource
from robot.adapters.serving import SimulatorTls
from robot.adapters.ssbtek.client import SoapRegisterSource
from robot.adapters.ssbtek.simulator import ssbtek_simulator
from robot.adapters.tls import Endpoint, NotAUrl, check_endpoint, client_context, is_local, is_local_host, url_scheme
from robot.config import AgiSettings, Settings, SsbtekSettings
from tests.sources_fixture import REGISTER_FILE
from tests.test_ssbtek_cli import cli

NOW = dt.datetime.now(dt.UTC)


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _certificate(
    path: Path, name: str, *, days_from: int, days_to: int, issuer=None, ip: str | None = None, client=False
):
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + dt.timedelta(days=days_from))
        .not_valid_after(NOW + dt.timedelta(days=days_to))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), False)
    if client:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    certificate = builder.sign(issuer_key, hashes.SHA256())
    path.with_suffix(".pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificate, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    ca = _certificate(d / "ca", "Test CA", days_from=-1, days_to=400)
    _certificate(d / "server", "server", days_from=-1, days_to=400, issuer=ca, ip="127.0.0.1")
    _certificate(d / "client", "CN of the socialnämnd", days_from=-1, days_to=400, issuer=ca, client=True)
    _certificate(d / "soon", "soon", days_from=-300, days_to=12, issuer=ca, client=True)
    _certificate(d / "expired", "expired", days_from=-400, days_to=-2, issuer=ca, client=True)
    _certificate(d / "future", "future", days_from=3, days_to=400, issuer=ca, client=True)
    return d


def production(pki: Path, name: str = "client", **ssbtek) -> Settings:
    values = {
        "url": "https://ssbtek.example.se/BastjanstInformation",
        "client_cert": str(pki / f"{name}.pem"),
        "client_key": str(pki / f"{name}.key"),
        "fk_aktorsid": "026-51",
        **ssbtek,
    }
    return Settings(ssbtek=values)


def test_a_complete_production_configuration_is_accepted(pki: Path):
    source = SoapRegisterSource(production(pki))
    assert source.certificate.subject == "CN=CN of the socialnämnd"
    assert source.certificate.days_left(NOW) in (399, 400)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "http://ssbtek.example.se/"}, "ROBOT_SSBTEK_URL: SSBTEK must be called over https"),
        ({"url": "ftp://ssbtek.example.se/"}, "ROBOT_SSBTEK_URL: SSBTEK is called over https"),
        ({"client_cert": None, "client_key": None}, "ROBOT_SSBTEK_CLIENT_CERT: SSBTEK accepts only mutual TLS"),
        ({"client_cert": None}, "ROBOT_SSBTEK_CLIENT_KEY is set without ROBOT_SSBTEK_CLIENT_CERT"),
        ({"fk_aktorsid": None}, "ROBOT_SSBTEK_FK_AKTORSID"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "ROBOT_SSBTEK_CA_BUNDLE"),
    ],
    ids=["http", "scheme", "no-certificate", "key-without-certificate", "no-aktorsid", "ca-bundle"],
)
def test_what_production_cannot_work_with_is_refused_at_start(pki: Path, changes, message):
    with pytest.raises(ValueError, match=message):
        SoapRegisterSource(production(pki, **changes))


@pytest.mark.parametrize(("name", "message"), [("expired", "expired on"), ("future", "is valid only from")])
def test_a_certificate_outside_its_dates_is_refused_at_start(pki: Path, name: str, message: str):
    with pytest.raises(ValueError, match=f"ROBOT_SSBTEK_CLIENT_CERT: the client certificate {message}"):
        SoapRegisterSource(production(pki, name))


def test_a_certificate_about_to_expire_is_a_warning_at_start(pki: Path):
    with capture_logs() as logs:
        SoapRegisterSource(production(pki, "soon"))
    (warning,) = [e for e in logs if e["event"] == "tls.certificate_expires_soon"]
    assert warning["service"] == "SSBTEK" and warning["days_left"] in (11, 12)


def test_only_a_simulator_on_this_machine_is_called_without_tls_certificate_or_aktorsid():
    for url in ("http://127.0.0.1:8088/", "http://localhost:1/", "http://[::1]:8088/"):
        assert is_local(url)
        SoapRegisterSource(Settings(ssbtek={"url": url}))
    assert not is_local("http://ssbtek.example.se/") and not is_local("http://127.0.0.1.example.se/")


def test_the_employer_declarations_are_checked_the_same_way(pki: Path):
    with pytest.raises(ValueError, match="ROBOT_AGI_URL: AGI must be called over https"):
        AgiSource(Settings(agi={"url": "http://agi.example.se/"}))
    with pytest.raises(ValueError, match="ROBOT_AGI_CLIENT_CERT: AGI accepts only mutual TLS"):
        AgiSource(Settings(agi={"url": "https://agi.example.se/"}))
    assert AgiSource(production(pki).model_copy(update={"agi": Settings(agi={"url": "https://agi.example.se/"}).agi}))


def test_there_is_no_setting_that_turns_verification_off():
    fields = {*SsbtekSettings.model_fields, *AgiSettings.model_fields}
    assert not {name for name in fields if "verify" in name or "insecure" in name}
    context = client_context(Endpoint("SSBTEK", "ROBOT_SSBTEK", "https://x/"))
    assert context.verify_mode.name == "CERT_REQUIRED" and context.check_hostname


def test_ping_shows_when_the_client_certificate_expires(pki: Path):
    tls = SimulatorTls(certfile=pki / "server.pem", keyfile=pki / "server.key", client_ca=pki / "ca.pem")
    runner = CliRunner()
    with ssbtek_simulator(REGISTER_FILE, tls=tls) as sim:
        env = {
            "ROBOT_CONFIG": "/dev/null",
            "ROBOT_SSBTEK_URL": sim.url,
            "ROBOT_SSBTEK_CA_BUNDLE": str(pki / "ca.pem"),
        }
        good = runner.invoke(cli, ["ssbtek", "ping"], env={**env, "ROBOT_SSBTEK_CLIENT_CERT": str(pki / "client.pem"),
                                                            "ROBOT_SSBTEK_CLIENT_KEY": str(pki / "client.key")})  # fmt: skip
        soon = runner.invoke(cli, ["ssbtek", "ping"], env={**env, "ROBOT_SSBTEK_CLIENT_CERT": str(pki / "soon.pem"),
                                                            "ROBOT_SSBTEK_CLIENT_KEY": str(pki / "soon.key")})  # fmt: skip
        expired = runner.invoke(cli, ["ssbtek", "ping"], env={**env, "ROBOT_SSBTEK_CLIENT_CERT": str(pki / "expired.pem"),
                                                               "ROBOT_SSBTEK_CLIENT_KEY": str(pki / "expired.key")})  # fmt: skip
    assert good.exit_code == 0, good.output
    first = good.stdout.splitlines()[0]
    assert first.startswith("SSBTEK klientcertifikat: CN=CN of the socialnämnd, giltigt till och med ")
    assert "WARNING" not in first
    assert soon.exit_code == 0 and "VARNING: förnya det, mindre än 30 dagar kvar" in soon.stdout
    assert expired.exit_code == 2 and "expired on" in expired.stderr


def test_check_endpoint_returns_nothing_for_a_local_address_without_a_certificate():
    assert check_endpoint(Endpoint("SSBTEK", "ROBOT_SSBTEK", "http://127.0.0.1:9/")) is None


def _httpx_is_local(url: str) -> bool:
    """`is_local` as it was when it read every URL with httpx: the oracle for the one that reads most itself."""
    try:
        host = (httpx.URL(url).host or "").lower()
    except (httpx.InvalidURL, TypeError):
        return False
    return is_local_host(host)  # the URL's reading is what is compared; what a host means is shared


def _httpx_scheme(url: str) -> str:
    try:
        return httpx.URL(url).scheme
    except (httpx.InvalidURL, TypeError):
        raise NotAUrl(url) from None


def _outcome(read, url: str) -> tuple[str, object]:
    try:
        return "read", read(url)
    except Exception as exc:
        return "raised", type(exc)


_SCHEMES = ["http", "https", "HTTP", "Https", "ftp", "h2+x.y-z", "", "1http"]
_HOSTS = [
    "localhost", "LOCALHOST", "localhost.localdomain", "localhost.", "127.0.0.1", "127.000.0.1", "999.1.1.1", "127.1",
    "0x7f.0.0.1", "127.0.0.1.example.se", "[::1]", "[ABCD::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[zz]",
    "[::1", "::1]", "[v1.x]", "[::1%25x]", "xn--bcher-kva.de", "xn--invalid", "XN--bcher-kva", "a.xn--bcher-kva",
    "bücher.de", "ｌｏｃａｌｈｏｓｔ", "\u212aexample.se", "loca\u017fhost", "exa mple", "", "ssbtek.example.se", "-a-.b",
    "a..b", "a_b", "%6cocalhost", "xn--ls8h", "xn--", "xn--zz", "[1:2]", "[::1::]", "[12345::1]",
]  # fmt: skip
_PORTS = ["", ":", ":80", ":8088", ":99999", ":+80", ":-1", ":abc", ":0443", ":80:80", ":١", ":1-2"]
_RESTS = ["", "/", "/x/y", "?q=1", "#f", "/a b", "/\t", "/\x7f", "/ä", "/@h", "?@h", "//x", "\\x", "/\u212a"]


def _same_reading(url: str) -> bool:
    return _outcome(url_scheme, url) == _outcome(_httpx_scheme, url) and _outcome(is_local, url) == _outcome(
        _httpx_is_local, url
    )


def test_a_url_is_read_as_httpx_reads_it():
    """`is_local` and `check_endpoint` read the plain shape of a URL themselves, so that a worker need not import
    httpx at start: they must take every URL as httpx does (the same scheme, the same locality, the same refusals).
    Every scheme, host, port and path here, in every combination, and each host behind odd beginnings."""
    urls = [f"{s}://{h}{p}{r}" for s, h, p, r in itertools.product(_SCHEMES, _HOSTS, _PORTS, _RESTS)]
    urls += [
        f"{lead}http{sep}{user}{h}/"
        for lead, sep, user, h in itertools.product(["", " ", "\t"], ["://", ":", "//", ":///", "", "://://"],
                                                    ["", "u@", "u:p@", "a@b@", "@"], _HOSTS)
    ]  # fmt: skip
    assert [url for url in urls if not _same_reading(url)] == []


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(max_size=30), st.text(st.sampled_from("htps:/[]@.1270lo:cahx-n%"), max_size=30)))
@example("http://127.0.0.1:9/")
def test_any_string_is_read_as_httpx_reads_it(url: str):
    assert _same_reading(url)
