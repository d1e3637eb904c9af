"""Every code in the agencies' answers that the adapter interprets, and how sure we are of each.

This is the one place to correct when Försäkringskassan, CSN, Arbetsförmedlingen or the a-kassor
confirm (or contradict) a reading. docs/ssbtek.md shows the same tables; a test keeps them equal.

Evidence:
- `contract`: the code and its meaning are published in the contract (XSD, Lefi v9 OpenAPI enum with
  its description or example).
- `inferred`: the code is in the contract, its meaning is read from its abbreviation and the case
  type Lefi names for it. Used, and to be confirmed with the agency before production.
- `assumed`: not in the contract at all; taken from public test fixtures or reasoning. Used, and to
  be confirmed.
- `unknown`: in the contract, meaning not known. Never guessed: an answer that carries it sends the
  application to manual handling (the authority is unavailable for the person).

What an "unknown benefit" does: a benefit whose code is not in these tables, or whose table row has
no register/1 income type, makes the authority (FK or CSN) unavailable for that person, with
felkod `OKAND_FORMAN` or `FORMAN_KRAVER_BEDOMNING` in the log. The rules treat an unavailable
authority as not evaluable: the application goes to manual handling with reason
SSBTEK_EJ_TILLGANGLIG. It never becomes zero income and never `ovrigt` that an applicant's own
statement could match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from robot.formats.application import IncomeType


class Evidence(StrEnum):
    contract = "contract"
    inferred = "inferred"
    assumed = "assumed"
    unknown = "unknown"


@dataclass(frozen=True)
class Benefit:
    """One benefit group (Lefi `förmånsgrupp`, and the `formansfamilj` of a payment)."""

    code: str
    """The Lefi code, with its provider prefix (`FK:BOB`, `PM:AP`)."""
    name: str
    income: IncomeType | None
    """The register/1 income type; None: no type the robot may count on its own (manual)."""
    taxed: bool
    """Preliminary tax is withheld: the register amount is gross − tax. Untaxed: gross = net."""
    evidence: Evidence


def _table(*rows: Benefit) -> Mapping[str, Benefit]:
    return {row.code: row for row in rows}


_I = IncomeType
_C, _INF, _U = Evidence.contract, Evidence.inferred, Evidence.unknown

FK_BENEFITS: Mapping[str, Benefit] = _table(
    Benefit("FK:ABB", "Allmänt barnbidrag", _I.barnbidrag, False, _C),
    Benefit("FK:AP", "Allmän pension (utbetald av Försäkringskassan)", _I.pension, True, _INF),
    Benefit("FK:AS", "Aktivitetsstöd", _I.aktivitetsstod, True, _INF),
    Benefit("FK:BOB", "Bostadsbidrag", _I.bostadsbidrag, False, _INF),
    Benefit("FK:BST", "okänd förmån (BST)", None, False, _U),
    Benefit("FK:BTI", "Bostadstillägg", _I.bostadsbidrag, False, _INF),
    Benefit("FK:DPE", "okänd förmån (DPE)", None, False, _U),
    Benefit("FK:EJO", "okänd förmån (EJO)", None, False, _U),
    Benefit("FK:ET", "Etableringsersättning", _I.etableringsersattning, False, _INF),
    Benefit("FK:FP", "Föräldrapenning", _I.foraldrapenning, True, _C),
    Benefit("FK:FSJP", "Förebyggande sjukpenning", _I.sjukpenning, True, _INF),
    Benefit("FK:GP", "Graviditetspenning", _I.foraldrapenning, True, _INF),
    Benefit("FK:HE", "Handikappersättning (kostnadsersättning: bedöms av handläggaren)", None, False, _INF),
    Benefit("FK:MABB", "Barnbidrag till barnet självt", _I.barnbidrag, False, _INF),
    Benefit("FK:MEK", "Merkostnadsersättning (kostnadsersättning: bedöms av handläggaren)", None, False, _INF),
    Benefit("FK:NP", "Närståendepenning", _I.ovrigt, True, _INF),
    Benefit("FK:OMV", "Omvårdnadsbidrag (delvis kostnadsersättning: bedöms av handläggaren)", None, True, _INF),
    Benefit("FK:PJOB", "okänd förmån (PJOB, programdagar)", None, False, _U),
    Benefit("FK:PROG", "okänd förmån (PROG, programersättning)", None, False, _U),
    Benefit("FK:RBE", "Rehabiliteringsersättning", _I.ovrigt, True, _INF),
    Benefit("FK:SA", "Sjuk- och aktivitetsersättning", _I.ovrigt, True, _INF),
    Benefit("FK:SBP", "Smittbärarpenning", _I.ovrigt, True, _INF),
    Benefit("FK:SJP", "Sjukpenning", _I.sjukpenning, True, _C),
    Benefit("FK:TFP", "Tillfällig föräldrapenning", _I.foraldrapenning, True, _INF),
    Benefit("FK:US", "Underhållsstöd", _I.underhallsstod, False, _INF),
    Benefit("FK:VB", "Vårdbidrag (delvis kostnadsersättning: bedöms av handläggaren)", None, True, _INF),
    Benefit("FK:YL", "Yrkesskadelivränta", _I.ovrigt, True, _C),
)
"""Försäkringskassan's benefit groups (Lefi v9 `LefiFkFormanGruppKod`, all 27).

A payment (`formansinformation.utbetalningsuppgift[]`) names its family in `formansfamilj.id`; the
adapter reads that id as the group code without its `FK:` prefix (`SJP` = `FK:SJP`, as in the
contract's example `forman: {id: SJP}`): this correspondence is itself `assumed`."""

PM_BENEFITS: Mapping[str, Benefit] = _table(
    Benefit("PM:AP", "Allmän pension", _I.pension, True, _C),
    Benefit("PM:BTI", "Bostadstillägg för pensionärer", _I.bostadsbidrag, False, _INF),
    Benefit("PM:EF", "Efterlevandeförmåner", _I.pension, True, _C),
)
"""Pensionsmyndigheten's benefit groups (Lefi v9 `LefiPmFormanGruppKod`), named per payment row."""

LEFI_GROUPS: tuple[str, ...] = (*FK_BENEFITS, *PM_BENEFITS)
"""The groups the question asks payments for: every group Lefi v9 defines, so that no benefit is
left out unseen (one not asked for would silently count as zero)."""

FK_PAYMENT_FAMILY: Mapping[IncomeType, str] = {
    _I.barnbidrag: "FK:ABB",
    _I.bostadsbidrag: "FK:BOB",
    _I.sjukpenning: "FK:SJP",
    _I.foraldrapenning: "FK:FP",
    _I.aktivitetsstod: "FK:AS",
    _I.etableringsersattning: "FK:ET",
    _I.underhallsstod: "FK:US",
    _I.ovrigt: "FK:SA",
    _I.pension: "PM:AP",
}
"""The simulator's side: the group it pays each register/1 income type with source FK under."""

PM_TAX_CODES = frozenset({"PM:PS", "PM:SS", "PM:PST", "PM:SST"})
"""Pensionsmyndigheten's deductions that are tax (preliminary, SINK, and those of earlier years):
`inferred` from Försäkringskassan's documented beloppstyper PS, SS, PST, SST. Other deductions
(kvittning, utmätning, …) are not subtracted: the income is the pay after tax, as for the a-kassor."""

LEFI_OK = "OK"
"""`utlamnare[].tillstand.kod` of a provider that contributed its data (`contract`: OK, FELANDE, OTILLGANGLIG)."""

LEFI_PROVIDERS = ("FK", "PM")
"""Providers behind Lefi (`contract`). Each one asked must be listed with tillstånd OK."""

# CSN ----------------------------------------------------------------------------------------

CSN_VERSIONS: Mapping[str, str] = {
    "4.0": "http://schema.csn.se/v4.0/kommunfraga",
    "3.0": "http://schema.csn.se/v3.0/kommunfraga",
}
"""`CSNSvar/@schemaVersion` and its namespace. 4.0 is `contract`; 3.0 is still sent (`assumed`: same
structure in v3.0 namespaces, without omställningsstudiestöd, as public fixtures show)."""

CSN_RESULT_OK = "0"
"""`ResultatKod` of a normal answer (`assumed`: "Allt OK, inget att rapportera" in public fixtures).
Any other code makes CSN unavailable for the person."""

CSN_NOT_FOUND = "Ej träff"
"""`Person/@Status` of a person CSN does not know (`contract`): no CSN income."""

CSN_PAID = frozenset({"Utbetald", "UTBETALAD"})
"""`utbetstatus` of a payment made (`contract`); `Planerad` ones are not income yet."""

CSN_SECTIONS: Mapping[str, IncomeType | None] = {
    "Studiemedel": _I.studiemedel,
    "Studiehjalp": _I.studiemedel,
    "Studiestartsstod": _I.studiemedel,
    "Omstallningsstudiestod": _I.studiemedel,
    "HemutrustningsLan": None,
}
"""The support forms under `Person` (`contract`). All study support counts as studiemedel, grant
and loan alike. Hemutrustningslån is a loan for furnishing a first home: whether it counts is a
handläggare's judgement, so a payment of it makes CSN unavailable (manual)."""

CSN_GRANT_TYPES = frozenset(
    {"GRUNDB", "GRUNDF", "TILB", "EXTRA", "INACK", "STUDB", "LÄRERS", "STÖDB", "STÖDT", "OSSBID"}
)
CSN_LOAN_TYPES = frozenset({"GRUNDL", "GRUNFL", "MERKL", "TILL", "HUT", "OSSLÅN"})
"""`beloppstyp` of grants and of loans (`contract`, csntyper.xsd). A payment's amount is its
`totbelopp`; the split is kept for `robot ssbtek decode`."""

# Arbetsförmedlingen ---------------------------------------------------------------------------

AF_LOOKUP_OK = 0
"""`StatusSokandeinformationKod` of a lookup that went normally (`assumed` from the README and public
fixtures: "Frågan har behandlats normalt och ett giltigt svar har returnerats"). Any other value:
AF's answer was an error, register/1 code 502."""

# The a-kassor ---------------------------------------------------------------------------------

SO_ANSWERED = ("OK", "all clear")
"""`StatusSvarandeOrganisation` values of an a-kassa that answered (`assumed`: the contract types it
as a free string; "all clear" is in public test fixtures). Any other status makes SO unavailable for
the person. Deployments can replace the list with `[ssbtek] so_answered_statuses`."""
