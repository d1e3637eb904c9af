"""SOAP 1.1 framing and the contract's schema: namespaces, envelopes, faults, safe parsing, escaping.

Everything here is shared by the adapter and the simulator. Two versions of the contract are known
(`Contract`: `V11`, the one in force and the default, and `V10`, selectable with
ROBOT_SSBTEK_PROTOCOL=v10); they differ in their namespace and in Skatteverket's question and
answer. Requests and answers are built as strings that use the `ssbt` prefix, which `envelope`
binds to the contract's namespace; they are parsed with lxml. Each XSD is loaded once per process
(`contract_schema()`).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from robot.adapters import xml_limits
from robot.adapters.register_source import RegisterUnavailable

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"
_FK_SCHEMAS = CONTRACT_DIR / "se/forsakringskassan/schema/integration/ssbt"


@dataclass(frozen=True)
class Contract:
    """One version of SSBTEK's contract: its namespace and its WSDL and root XSD (in `contract/`)."""

    version: str
    """As ROBOT_SSBTEK_PROTOCOL names it: "v10" or "v11"."""
    namespace: str
    root_xsd: Path
    wsdl: Path

    def tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    @property
    def skv_in_parts(self) -> bool:
        """Whether Skatteverket is asked for named parts and answers each part on its own (v11)."""
        return self.version != "v10"


V10 = Contract(
    "v10",
    "http://schema.forsakringskassan.se/integration/ssbt/10",
    _FK_SCHEMAS / "_10/sammansatt_bastjanst_v10.xsd",
    _FK_SCHEMAS / "_10/Sammansatt_Bastjanst_v10.wsdl",
)
V11 = Contract(
    "v11",
    "http://schema.forsakringskassan.se/integration/ssbt/11",
    _FK_SCHEMAS / "_11/sammansatt_bastjanst_v11.xsd",
    _FK_SCHEMAS / "_11/Sammansatt_Bastjanst_v11.wsdl",
)
CONTRACTS: dict[str, Contract] = {c.version: c for c in (V10, V11)}
DEFAULT = V11
"""The version in force: Försäkringskassan's test environment answers ssbt/11 and refuses ssbt/10."""


def contract_for(version: str) -> Contract:
    """The contract a setting names ("v10", "v11"); raises ValueError for another."""
    try:
        return CONTRACTS[version]
    except KeyError:
        raise ValueError(f"unknown SSBTEK protocol {version!r}: use one of {', '.join(CONTRACTS)}") from None


def contract_of(element: etree._Element) -> Contract | None:
    """The contract whose namespace `element` is in, or None."""
    namespace = etree.QName(element).namespace if isinstance(element.tag, str) else None
    return next((c for c in CONTRACTS.values() if c.namespace == namespace), None)


ROOT_XSD = DEFAULT.root_xsd
WSDL = DEFAULT.wsdl

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SSBT = DEFAULT.namespace
"""The default contract's namespace (the names below are the default contract's elements too)."""
AF = "http://api.arbetsformedlingen.se/arbetssokande/ersattningsstod/v2"
SO = "http://INT014.UBPService.Schemas"
SKV = "http://beskattningws.ws.service.bs.zg.rsv.se/"
TNS = "http://schema.transportstyrelsen.se/ssbtek/hamtauppgifterresponder/1"
MIV = "http://schema.migrationsverket.se/ssbtek/1/"
SIM = "urn:bistandsrobot:ssbtek-sim:1"
"""The project's own namespace, used only in the contract's `xs:any` extension points."""

CONTENT_TYPE = "text/xml; charset=utf-8"
SOAP_ACTION = '""'
"""The WSDL binds both operations with soapAction=""."""

FETCH = f"{{{SSBT}}}hamtaBastjanstInformation"
FETCH_RESPONSE = f"{{{SSBT}}}hamtaBastjanstInformationResponse"
FETCH_FAULT = f"{{{SSBT}}}hamtaBastjanstInformationFault"
TEST = f"{{{SSBT}}}testaBastjanstInformation"
TEST_RESPONSE = f"{{{SSBT}}}testaBastjanstInformationResponse"
TEST_FAULT = f"{{{SSBT}}}testaBastjanstInformationFault"
_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_BODY = f"{{{SOAP_ENV}}}Body"
_FAULT = f"{{{SOAP_ENV}}}Fault"


def _envelope_open(namespace: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ssbt="{namespace}"><soapenv:Header/><soapenv:Body>'
    )


_ENVELOPE_CLOSE = "</soapenv:Body></soapenv:Envelope>"


class SoapFault(RegisterUnavailable):
    """SSBTEK answered with a SOAP fault. Not retried: the request itself was refused."""

    def __init__(self, faultcode: str, felkod: str | None, message: str):
        super().__init__(message)
        self.faultcode = faultcode
        self.felkod = felkod


class MalformedAnswer(RegisterUnavailable):
    """The answer is not a SOAP envelope with the element the operation promises."""


def load_contract_schema(contract: Contract = DEFAULT) -> etree.XMLSchema:
    """The contract's SSBTEK schema with every authority's imported schema (a few milliseconds to load).

    A validator keeps its error log, so each thread that validates should hold its own instance.
    """
    return etree.XMLSchema(etree.parse(str(contract.root_xsd)))


@functools.cache
def contract_schema(contract: Contract = DEFAULT) -> etree.XMLSchema:
    """The schema loaded once per process, for callers in one thread (tests, tools)."""
    return load_contract_schema(contract)


def schema_errors(element: etree._Element, schema: etree.XMLSchema | None = None) -> list[str]:
    """Why `element` (a request or answer body element) breaks its contract; empty when it is valid.

    Without `schema`, the contract is the one whose namespace `element` is in (else the default).
    """
    if schema is None:
        schema = contract_schema(contract_of(element) or DEFAULT)
    if schema.validate(element):
        return []
    return [e.message for e in schema.error_log]


_local = threading.local()


def _parser() -> etree.XMLParser:
    """A hardened parser, one per thread (the simulator may run in a thread beside the adapter)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        _local.parser = parser
    return parser


def parse_xml(data: bytes) -> etree._Element:
    """Parse a document; raises `etree.XMLSyntaxError` (a ValueError) when it is not well-formed XML, and
    XmlTooLarge (a ValueError) when it holds more elements than the bound (`xml_limits`)."""
    xml_limits.check(data)
    return etree.fromstring(data, _parser())


def body_element(data: bytes) -> etree._Element:
    """The first element inside the SOAP Body. Raises MalformedAnswer when there is none."""
    try:
        root = parse_xml(data)
    except xml_limits.XmlTooLarge as exc:
        raise MalformedAnswer(f"SSBTEK's answer {exc}") from None
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise MalformedAnswer(f"SSBTEK's answer is not well-formed XML ({type(exc).__name__})") from None
    if root.tag != _ENVELOPE:
        raise MalformedAnswer(f"SSBTEK's answer is not a SOAP 1.1 envelope (root element {local_name(root)})")
    body = next(root.iterchildren(_BODY), None)  # `root.find(_BODY)`, without compiling a path
    if body is None or len(body) == 0:
        raise MalformedAnswer("SSBTEK's answer has an empty SOAP body")
    for child in body:
        if isinstance(child.tag, str):
            return child
    raise MalformedAnswer("SSBTEK's answer has an empty SOAP body")


def raise_if_fault(payload: etree._Element) -> None:
    """Raise SoapFault when `payload` is a SOAP fault.

    The message keeps faultcode and felkod only: fault texts are free text from the other side and may
    quote the question (personnummer, names), so they stay out of messages and logs.
    """
    if payload.tag != _FAULT:
        return
    faultcode = (payload.findtext("faultcode") or "").strip() or "?"
    felkod = None
    detail = payload.find("detail")
    if detail is not None:
        for element in detail:
            contract = contract_of(element)
            if contract is not None and local_name(element) in _FAULT_NAMES:
                felkod = (element.findtext(contract.tag("felkod")) or "").strip() or None
                break
    code = f", felkod {_CODE.sub('?', felkod)[:40]}" if felkod else ""
    raise SoapFault(faultcode, felkod, f"SSBTEK answered with a SOAP fault ({_CODE.sub('?', faultcode)[:60]}{code})")


_FAULT_NAMES = frozenset({"hamtaBastjanstInformationFault", "testaBastjanstInformationFault"})
_CODE = re.compile(r"[^A-Za-z0-9:._-]")
"""Characters kept from codes in messages: a code that is really free text cannot smuggle much through."""


_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPECIAL = re.compile(r"[&<>\"]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def escape(text: str) -> str:
    """Text for element content or a double-quoted attribute; characters XML 1.0 cannot carry are dropped."""
    if text.__class__ is str and text.isalnum() and text.isascii():  # ids, personnummer: nothing to drop or replace
        return text
    if _NOT_XML_CHAR.search(text):
        text = _NOT_XML_CHAR.sub("", text)
    if _SPECIAL.search(text):
        text = _SPECIAL.sub(lambda m: _ENTITIES[m.group()], text)
    return text


def envelope(body_xml: str, contract: Contract = DEFAULT) -> bytes:
    """A SOAP 1.1 envelope around `body_xml`, whose `ssbt` prefix it binds to the contract's namespace."""
    return (_envelope_open(contract.namespace) + body_xml + _ENVELOPE_CLOSE).encode()


@functools.cache
def envelope_ends(contract: Contract) -> tuple[bytes, bytes]:
    """`envelope`'s text before and after the body, encoded: for a caller that joins encoded pieces."""
    return _envelope_open(contract.namespace).encode(), _ENVELOPE_CLOSE.encode()


def fault_envelope(
    faultcode: str,
    faultstring: str,
    fault_element: str,
    felkod: str,
    felmeddelande: str,
    contract: Contract = DEFAULT,
) -> bytes:
    """A SOAP fault whose detail carries the operation's fault element (`hamta…Fault` or `testa…Fault`)."""
    name = fault_element.rsplit("}", 1)[-1]
    return envelope(
        f"<soapenv:Fault><faultcode>soapenv:{escape(faultcode)}</faultcode>"
        f"<faultstring>{escape(faultstring)}</faultstring>"
        f"<detail><ssbt:{name}><ssbt:felkod>{escape(felkod)}</ssbt:felkod>"
        f"<ssbt:felmeddelande>{escape(felmeddelande)}</ssbt:felmeddelande></ssbt:{name}></detail>"
        "</soapenv:Fault>",
        contract,
    )


def children_at(element: etree._Element, *path: str) -> Iterator[etree._Element]:
    """The elements `element.iterfind("/".join(path))` gives, in its order, for a path of child steps (`{ns}name`
    or `{*}name`): lxml filters each step's children in C, and no path is compiled."""
    if len(path) == 1:
        yield from element.iterchildren(path[0])
        return
    for child in element.iterchildren(path[0]):
        yield from children_at(child, *path[1:])


def path_text(element: etree._Element, *path: str) -> str | None:
    """`element.findtext("/".join(path))` for a path of child steps: the first match's text ("" when it has
    none), None when nothing matches."""
    # One step (most calls) straight from lxml's filter: the walk's generator costs about 1 % of a worker's CPU there.
    for found in element.iterchildren(path[0]) if len(path) == 1 else children_at(element, *path):
        return found.text or ""
    return None


def error_fields(element: etree._Element, g: str) -> tuple[str, str, tuple[str, ...]]:
    """kalla, felkod and felmeddelande of an SSBTEK `error` element in namespace `g` ("{ns}"), in one pass:
    the first kalla and felkod (stripped, "" when missing) and every felmeddelande."""
    kalla = felkod = None
    messages = []
    kalla_tag, felkod_tag, message_tag = _error_tags(g)
    for child in element:
        tag = child.tag
        if tag == message_tag:
            messages.append(child.text or "")
        elif tag == kalla_tag:
            if kalla is None:
                kalla = child.text or ""
        elif tag == felkod_tag and felkod is None:
            felkod = child.text or ""
    return (kalla or "").strip(), (felkod or "").strip(), tuple(messages)


@functools.cache
def _error_tags(g: str) -> tuple[str, str, str]:
    return f"{g}kalla", f"{g}felkod", f"{g}felmeddelande"


def local_name(element: etree._Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else "?"
    return tag.rsplit("}", 1)[-1]
