"""The agencies' own schemas for the payloads inside SSBTEK's answer, for validating what the simulator sends.

- CSN: `kommunfraga.xsd` (v4.0) from the contract, with a stub for the Sambruk schema it imports
  (tests/fixtures/ssbtek/SBNUppgEkBistandBegar_stub.xsd: the published contract lacks it).
- Försäkringskassan: the Lefi v9 OpenAPI description's component schemas, made strict: an object
  may carry only the properties the contract defines.
- The SOAP body itself is validated against its version's SSBTEK XSD by `soap.schema_errors` (v11's
  `_11/sammansatt_bastjanst_v11.xsd` or v10's, both importing the same agency schemas, the a-kassa one
  in UTF-16).
"""

from __future__ import annotations

import base64
import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from lxml import etree

from robot.adapters.casesystem.contract import close_objects
from robot.adapters.ssbtek.soap import CONTRACT_DIR, DEFAULT, body_element, contract_of

KOMMUNFRAGA = CONTRACT_DIR / "se/csn/schema/v4_0/kommunfraga/kommunfraga.xsd"
LEFI = CONTRACT_DIR / "se/forsakringskassan/schema/lefi/lefi-formansinformation-v9.openapi.yaml"
SAMBRUK_STUB = Path(__file__).resolve().parent / "fixtures/ssbtek/SBNUppgEkBistandBegar_stub.xsd"


class _SambrukStub(etree.Resolver):
    def resolve(self, url, public_id, context):  # type: ignore[no-untyped-def]
        if url and url.endswith("SBNUppgEkBistandBegar_v1_0.xsd"):
            return self.resolve_filename(str(SAMBRUK_STUB), context)
        return None


@functools.cache
def csn_schema() -> etree.XMLSchema:
    parser = etree.XMLParser()
    parser.resolvers.add(_SambrukStub())
    return etree.XMLSchema(etree.parse(str(KOMMUNFRAGA), parser))


def csn_errors(document: bytes) -> list[str]:
    schema = csn_schema()
    if schema.validate(etree.fromstring(document)):
        return []
    return [e.message for e in schema.error_log]


@functools.cache
def lefi_components() -> dict[str, Any]:
    components = yaml.safe_load(LEFI.read_text(encoding="utf-8"))["components"]["schemas"]
    strict = copy.deepcopy(components)
    close_objects(strict)
    return strict


def lefi_errors(document: Any, component: str) -> list[str]:
    """Why `document` breaks the Lefi component schema `component`; empty when it conforms."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": {"schemas": lefi_components()}}
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def payload_errors(body: bytes) -> list[str]:
    """Every CSN and FK payload in an SSBTEK answer (v11 or v10, by its namespace), checked against its agency's schema."""
    payload = body_element(body)
    g = f"{{{(contract_of(payload) or DEFAULT).namespace}}}"
    errors: list[str] = []
    for svar in payload.iterfind(f"{g}svarsdata/{g}CSN/{g}data/{g}svar"):
        errors += [f"CSN: {e}" for e in csn_errors(base64.b64decode(svar.text or ""))]
    for svar in payload.iterfind(f"{g}svarsdata/{g}FK/{g}data/{g}lefiJsonSvar"):
        document = json.loads(base64.b64decode(svar.text or ""))
        errors += [f"FK: {e}" for e in lefi_errors(document, "LefiExternFormansinformationSvar")]
    return errors
