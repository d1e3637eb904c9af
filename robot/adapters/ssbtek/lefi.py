"""Försäkringskassan's part of SSBTEK: the Lefi v9 question and answer (base64 of UTF-8 JSON).

The contract: `contract/se/forsakringskassan/schema/lefi/lefi-formansinformation-v9.openapi.yaml`.

The question (`LefiExternFormansinformationFraga`) names the person, the period and, under
`utbetalningar`, the benefit groups whose effected payments are wanted: every group Lefi defines
(`codes.LEFI_GROUPS`), so that no benefit is left out unseen. SSBTEK sends it to
`/lefi-extern-formansinformation/v9/aktorer/{aktorsid}/formansinformation/fraga`.

The answer (`LefiExternFormansinformationSvar`) is read like this:

- `utlamnare[]` lists "the providers the answered question concerns" (the contract): a provider is
  required exactly when the question asked for its groups (FK for `FK:…`, PM for `PM:…`), and must
  be listed with `tillstand.kod` OK; otherwise FK is unavailable for the person (felkod
  `LEFI_<provider>_<kod>`, `…_SAKNAS` when not listed). A saved answer whose question is not known
  is judged by its own list (every provider listed, or whose payments it carries, must be OK), so
  FK's own OpenAPI example, which lists FK alone, is available.
- `avvikelser`: any deviation for the payments asked (a group not delivered: OBEHORIG, INTERNT_FEL)
  makes FK unavailable (felkod `LEFI_AVVIKELSE`): a missing group must not read as no income.
- `formansinformation.utbetalningsuppgift[]`: Försäkringskassan's payments. The family
  (`formansfamilj.id`) gives the income type via `codes.FK_BENEFITS`; the month is that of the
  payment date (`datum`); the amount is `bruttobelopp − skattebelopp`, i.e. after preliminary tax
  and before other deductions (kvittning, utmätning), in whole kronor.
- `utbetalningar[]`: Pensionsmyndigheten's payments. Each row's `formansgrupp.kod` gives the type
  via `codes.PM_BENEFITS`; the month is that of `utbetalningsdatum`; the amount is `bruttobelopp`
  less the tax deductions (`codes.PM_TAX_CODES`). The deductions must reconcile `bruttobelopp` with
  `nettobelopp` (`_pm_tax`); otherwise FK is unavailable (felkod `PM_NETTOBELOPP`). A payment with
  rows of several types gives each untaxed type its rows' sum and the one taxed type the rest (the
  rows must add up to `bruttobelopp`).

A benefit outside the tables, or one the robot may not value on its own, raises PayloadError
(felkod `OKAND_FORMAN` / `FORMAN_KRAVER_BEDOMNING`): FK is unavailable, never zero.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import itertools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from robot.adapters.decoding import (
    PayloadError,
    base64_bytes,
    code_text,
    iso_date,
    kronor,
    month_of_date,
    rounded_kronor,
)
from robot.adapters.ssbtek import codes
from robot.adapters.ssbtek.codes import Benefit
from robot.formats.application import IncomeType
from robot.formats.period import first_day, last_day
from robot.formats.register import RegisterIncome

VERSION = "v9"
"""The Lefi version of these forms, sent as `FK/fraga/version`."""

UNKNOWN_BENEFIT = "OKAND_FORMAN"
BENEFIT_NEEDS_JUDGEMENT = "FORMAN_KRAVER_BEDOMNING"
NET_DISAGREES = "PM_NETTOBELOPP"


# The question ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LefiQuestion:
    personnummer: str
    from_date: dt.date
    to_date: dt.date
    groups: tuple[str, ...] = codes.LEFI_GROUPS

    @property
    def providers(self) -> frozenset[str]:
        return _providers_of(self.groups)


def _providers_of(groups: Iterable[str]) -> frozenset[str]:
    if isinstance(groups, tuple):  # a question's groups: nearly always the same few tuples
        return _providers_of_groups(groups)
    return frozenset(group.split(":", 1)[0] for group in groups)


@functools.lru_cache(maxsize=64)
def _providers_of_groups(groups: tuple[str, ...]) -> frozenset[str]:
    return frozenset(group.split(":", 1)[0] for group in groups)


def encode_question(question: LefiQuestion) -> str:
    """The question as `lefiJsonFraga`: base64 of `{"personnummer", "period": {"from", "tom"}, "utbetalningar"}`,
    compact, as `_json` writes it (the groups, the same in every question, are written once)."""
    raw = (
        f'{{"personnummer":{_json_text(question.personnummer)},'
        f"{_period_json(question.from_date, question.to_date)}"
        f'"utbetalningar":{_groups_json(question.groups)}}}'
    )
    return base64.b64encode(raw.encode()).decode("ascii")


def _json_text(value: str) -> str:
    """`json.dumps(value, ensure_ascii=False)` for a str, without building an encoder per call."""
    return encode_basestring(value)


@functools.lru_cache(maxsize=64)
def _period_json(from_date: dt.date, to_date: dt.date) -> str:
    return f'"period":{{"from":"{from_date.isoformat()}","tom":"{to_date.isoformat()}"}},'


@functools.lru_cache(maxsize=16)
def _groups_json(groups: tuple[str, ...]) -> str:
    return json.dumps(list(groups), ensure_ascii=False, separators=(",", ":"))


def decode_question(text: str) -> LefiQuestion:
    """The simulator's side. Raises PayloadError for a question Lefi would refuse (HTTP 400)."""
    document = _from_base64(text, "lefiJsonFraga")
    if not isinstance(document, dict):
        raise PayloadError("lefiJsonFraga: not an object")
    personnummer = document.get("personnummer")
    period = document.get("period")
    groups = document.get("utbetalningar")
    if not isinstance(personnummer, str) or not isinstance(period, dict):
        raise PayloadError("lefiJsonFraga: personnummer and period are required")
    if not isinstance(groups, list) or not groups or not all(map(isinstance, groups, itertools.repeat(str))):
        raise PayloadError("lefiJsonFraga: no benefit group asked for")
    return LefiQuestion(
        personnummer=personnummer,
        from_date=iso_date(period.get("from"), "lefiJsonFraga period.from"),
        to_date=iso_date(period.get("tom"), "lefiJsonFraga period.tom"),
        groups=tuple(groups),
    )


# The answer -----------------------------------------------------------------------------------


def providers_asked(fk_query: str | None) -> frozenset[str]:
    """The providers a question's `lefiJsonFraga` asks (None: the robot's own question, every group)."""
    return _EVERY_PROVIDER if fk_query is None else decode_question(fk_query).providers


_EVERY_PROVIDER = _providers_of(codes.LEFI_GROUPS)


def decode_answer(text: str, providers: Iterable[str] | None = None) -> list[RegisterIncome]:
    """Försäkringskassan's and Pensionsmyndigheten's payments as register/1 incomes with source FK.

    `providers`: those the question asked (`providers_asked`), each of which must be listed with
    tillstånd OK. None (a saved answer, the question not known): the answer's own `utlamnare` list
    is judged, and a provider whose payments the answer carries must be in it.
    """
    document = _from_base64(text, "lefiJsonSvar")
    if not isinstance(document, dict):
        raise PayloadError("lefiJsonSvar: not an object")
    _check_providers(document.get("utlamnare"), _providers_required(document, providers))
    _check_deviations(document.get("avvikelser"))
    incomes: list[RegisterIncome] = []
    information = document.get("formansinformation") or {}
    if not isinstance(information, dict):
        raise PayloadError("lefiJsonSvar: formansinformation is not an object")
    for index, payment in enumerate(_list(information.get("utbetalningsuppgift"), "utbetalningsuppgift")):
        incomes.append(_fk_payment(payment, f"utbetalningsuppgift[{index}]"))
    for index, payment in enumerate(_list(document.get("utbetalningar"), "utbetalningar")):
        incomes.extend(_pm_payment(payment, f"utbetalningar[{index}]"))
    return incomes


def _providers_required(document: dict[str, Any], asked: Iterable[str] | None) -> list[str]:
    if asked is not None:
        return sorted(asked)
    listed: set[str] = set()
    for entry in _list(document.get("utlamnare"), "utlamnare"):
        code = _get(entry, "utlamnare", "kod")
        if not isinstance(code, str):
            raise PayloadError("lefiJsonSvar utlamnare: a provider without a kod")
        listed.add(code)
    if document.get("formansinformation"):
        listed.add("FK")
    if document.get("utbetalningar"):
        listed.add("PM")
    required = sorted(listed)
    if not required:
        raise PayloadError("Lefi: no provider listed in utlamnare", "LEFI_UTLAMNARE_SAKNAS")
    return required


def _check_providers(listed: Any, providers: Iterable[str]) -> None:
    states: dict[str, str] = {}
    for entry in _list(listed, "utlamnare"):
        code = _get(entry, "utlamnare", "kod")
        state = _get(entry, "tillstand", "kod")
        if isinstance(code, str):
            states[code] = state if isinstance(state, str) else ""
    for provider in providers:
        state = states.get(provider)
        if state != codes.LEFI_OK:
            shown = code_text(state) if state else ""
            felkod = f"LEFI_{provider}_{shown or 'SAKNAS'}"
            raise PayloadError(f"Lefi: provider {provider} did not contribute (tillstand {shown or 'missing'})", felkod)


def _check_deviations(deviations: Any) -> None:
    if deviations is None or deviations == []:
        return
    if not isinstance(deviations, dict):
        raise PayloadError("lefiJsonSvar: avvikelser is neither an object nor empty")
    for kind, entries in deviations.items():
        for entry in _list(entries, f"avvikelser.{kind}"):
            reason = _get(entry, "avvikelse", "kod")
            group = _get(entry, "formansgrupp", "kod")
            raise PayloadError(
                f"Lefi: {code_text(group)} not delivered ({code_text(reason)})", f"LEFI_AVVIKELSE_{code_text(reason)}"
            )


def _fk_payment(payment: Any, where: str) -> RegisterIncome:
    if not isinstance(payment, dict):
        raise PayloadError(f"{where}: not an object")
    family = _get(payment, "formansfamilj", "id")
    if not isinstance(family, str):
        raise PayloadError(f"{where}.formansfamilj.id: missing")
    code = family if family.startswith("FK:") else f"FK:{family}"
    income_type = _known(codes.FK_BENEFITS.get(code), code, where)
    gross = _belopp(payment.get("bruttobelopp"), f"{where}.bruttobelopp")
    tax = _belopp(payment.get("skattebelopp"), f"{where}.skattebelopp") if "skattebelopp" in payment else Decimal(0)
    return RegisterIncome(
        source="FK",
        type=income_type,
        month=month_of_date(payment.get("datum"), f"{where}.datum"),
        amount=rounded_kronor(gross - tax, f"{where}: bruttobelopp − skattebelopp"),
    )


def _pm_payment(payment: Any, where: str) -> list[RegisterIncome]:
    if not isinstance(payment, dict):
        raise PayloadError(f"{where}: not an object")
    month = month_of_date(payment.get("utbetalningsdatum"), f"{where}.utbetalningsdatum")
    gross = kronor(payment.get("bruttobelopp"), f"{where}.bruttobelopp")
    tax = _pm_tax(payment, gross, where)
    rows = _list(payment.get("utbetalningsrader"), f"{where}.utbetalningsrader")
    if not rows:
        raise PayloadError(f"{where}: a payment without rows names no benefit", UNKNOWN_BENEFIT)
    by_type: dict[IncomeType, Decimal] = {}
    taxed: set[IncomeType] = set()
    for row in rows:
        if not isinstance(row, dict):
            raise PayloadError(f"{where}.utbetalningsrader: not an object")
        group = _get(row, "formansgrupp", "kod")
        benefit = codes.PM_BENEFITS.get(group) if isinstance(group, str) else None
        income = _known(benefit, str(group), where)
        if benefit is not None and benefit.taxed:
            taxed.add(income)
        by_type[income] = by_type.get(income, Decimal(0)) + kronor(row.get("belopp"), f"{where}.belopp")
    if len(by_type) == 1:
        amounts = {next(iter(by_type)): gross - tax}
    elif len(taxed) == 1 and sum(by_type.values(), Decimal(0)) == gross:
        (taxed_type,) = taxed
        amounts = {t: a for t, a in by_type.items() if t != taxed_type}
        amounts[taxed_type] = gross - tax - sum(amounts.values(), Decimal(0))
    else:
        raise PayloadError(f"{where}: the tax cannot be split between the payment's benefits")
    return [
        RegisterIncome(source="FK", type=t, month=month, amount=rounded_kronor(a, f"{where}: amount"))
        for t, a in sorted(amounts.items())
    ]


def _pm_tax(payment: dict[str, Any], gross: Decimal, where: str) -> Decimal:
    """The tax withheld from one of Pensionsmyndigheten's payments, its deductions checked against its net.

    `avdrag[]` are "the amounts that make up the difference between gross and net" (the contract):
    bruttobelopp − Σ avdrag must be nettobelopp. Deductions written as negative numbers are read as
    deducted only when every one of them is negative and bruttobelopp + Σ avdrag is nettobelopp.
    Anything else (mixed signs, a net that neither reading gives) is unreadable: FK unavailable,
    felkod `PM_NETTOBELOPP`, never a guess; no nettobelopp at all is `UNREADABLE`.
    """
    net = kronor(payment.get("nettobelopp"), f"{where}.nettobelopp")
    deductions: list[tuple[Decimal, bool]] = []
    for entry in _list(payment.get("avdrag"), f"{where}.avdrag"):
        if not isinstance(entry, dict):
            raise PayloadError(f"{where}.avdrag: not an object")
        is_tax = _text(_get(entry, "avdragstyp", "kod")) in codes.PM_TAX_CODES
        deductions.append((kronor(entry.get("belopp"), f"{where}.avdrag.belopp"), is_tax))
    total = sum((amount for amount, _ in deductions), Decimal(0))
    if gross - total == net and all(amount >= 0 for amount, _ in deductions):
        sign = 1
    elif gross + total == net and all(amount <= 0 for amount, _ in deductions):
        sign = -1
    else:
        raise PayloadError(
            f"{where}: bruttobelopp less the avdrag is not nettobelopp (or the avdrag mix signs)", NET_DISAGREES
        )
    return sum((sign * amount for amount, is_tax in deductions if is_tax), Decimal(0))


def _known(benefit: Benefit | None, code: str, where: str) -> IncomeType:
    if benefit is None:
        raise PayloadError(f"{where}: benefit {code_text(code)} is not in the benefit table", UNKNOWN_BENEFIT)
    if benefit.income is None:
        raise PayloadError(
            f"{where}: benefit {code_text(code)} ({benefit.name}) is for a handläggare to assess",
            UNKNOWN_BENEFIT if benefit.evidence == codes.Evidence.unknown else BENEFIT_NEEDS_JUDGEMENT,
        )
    return benefit.income


def _belopp(value: Any, where: str) -> Decimal:
    """A LefiBelopp `{summa, valuta}` in Swedish kronor."""
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: missing")
    currency = value.get("valuta", "SEK")
    if currency != "SEK":
        raise PayloadError(f"{where}.valuta: not SEK")
    return kronor(value.get("summa"), f"{where}.summa")


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"lefiJsonSvar {where}: not a list")
    return value


# The simulator's side -------------------------------------------------------------------------

_FORETAG = {"FK": {"id": 1001, "beskrivning": "Försäkringskassan"}}
_PROVIDER_NAMES = {"FK": "Försäkringskassan", "PM": "Pensionsmyndigheten"}
_TILLSTAND_TEXT = {"OK": "Tillgänglig", "OTILLGANGLIG": "Otillgänglig"}
_TAX_SHARE = Decimal("0.3")
"""Share of the gross the simulator withholds as preliminary tax on taxed benefits."""


def encode_answer(incomes: Iterable[RegisterIncome], question: LefiQuestion, unavailable: bool = False) -> str:
    """The Lefi answer to `question` for these FK incomes (each a payment in its month).

    Payments of groups the question did not ask for are left out, as Lefi does. `unavailable`:
    Försäkringskassan answers with tillstånd OTILLGANGLIG and no data.
    """
    return answer_from_payments([payment_json(income) for income in incomes], question, unavailable)


def payment_json(income: RegisterIncome) -> tuple[str, str]:
    """The benefit group of an FK income and its payment in Lefi's answer, as compact JSON (the text
    `encode_answer` writes for it: `json.dumps` of its object with the answer's separators)."""
    code = codes.FK_PAYMENT_FAMILY[income.type]
    if code.startswith("PM:"):
        return code, _json(_pm_json(codes.PM_BENEFITS[code], income))
    return code, _json(_fk_json(codes.FK_BENEFITS[code], income))


def answer_from_payments(payments: Iterable[tuple[str, str]], question: LefiQuestion, unavailable: bool = False) -> str:
    """`encode_answer` for payments already written by `payment_json`: the same text, each piece of the
    document joined as `json.dumps` would write the whole (its keys in the same order)."""
    asked = question.groups
    fk_payments: list[str] = []
    pm_payments: list[str] = []
    if not unavailable:
        for code, text in payments:
            if code not in asked:
                continue
            (pm_payments if code.startswith("PM:") else fk_payments).append(text)
    parts = [_answer_head(question.providers, unavailable)]
    if fk_payments:
        parts.append(f',"formansinformation":{{"utbetalningsuppgift":[{",".join(fk_payments)}]}}')
    if pm_payments:
        parts.append(f',"utbetalningar":[{",".join(pm_payments)}]')
    parts.append("}")
    return base64.b64encode("".join(parts).encode()).decode("ascii")


@functools.lru_cache(maxsize=64)
def _answer_head(asked_providers: frozenset[str], unavailable: bool) -> str:
    """The answer's text up to its payments: `utlamnare` and `avvikelser`, the object left open."""
    providers = sorted(asked_providers)
    state = {p: "OTILLGANGLIG" if unavailable and p == "FK" else "OK" for p in providers}
    document: dict[str, Any] = {
        "utlamnare": [
            {
                "utlamnare": {"kod": p, "namn": _PROVIDER_NAMES[p]},
                "tillstand": {"kod": state[p], "beskrivning": _TILLSTAND_TEXT[state[p]]},
            }
            for p in providers
            if p in _PROVIDER_NAMES
        ],
        "avvikelser": {},
    }
    return _json(document)[:-1]


def _split(benefit: Benefit, net: int) -> tuple[int, int]:
    """(gross, tax) of a payment whose amount after tax is `net`."""
    if not benefit.taxed:
        return net, 0
    tax = math.ceil(Decimal(net) * _TAX_SHARE / (1 - _TAX_SHARE))
    return net + tax, tax


def _fk_json(benefit: Benefit, income: RegisterIncome) -> dict[str, Any]:
    gross, tax = _split(benefit, income.amount)
    family = {"id": benefit.code.removeprefix("FK:"), "beskrivning": benefit.name}
    period = {"fran": first_day(income.month).isoformat(), "till": last_day(income.month).isoformat()}
    details: list[dict[str, Any]] = [
        {"forman": family, "period": period, "beloppstyp": family, "bruttobelopp": _sek(gross)}
    ]
    if tax:
        details.append(
            {"period": period, "beloppstyp": {"id": "PS", "beskrivning": "Preliminär skatt"}, "skattebelopp": _sek(tax)}
        )
    return {
        "typ": {"id": 1, "beskrivning": "Månad"},
        "foretag": _FORETAG["FK"],
        "formansfamilj": family,
        "datum": _payment_day(income.month),
        "period": period,
        "bruttobelopp": _sek(gross),
        "skattebelopp": _sek(tax),
        "avdragsbelopp": _sek(tax),
        "nettobelopp": _sek(gross - tax),
        "utbetalningsdetalj": details,
    }


def _pm_json(benefit: Benefit, income: RegisterIncome) -> dict[str, Any]:
    gross, tax = _split(benefit, income.amount)
    payment: dict[str, Any] = {
        "utbetalningsdatum": _payment_day(income.month),
        "utbetalningsperiod": {"from": first_day(income.month).isoformat(), "tom": last_day(income.month).isoformat()},
        "bruttobelopp": gross,
        "nettobelopp": gross - tax,
        "avdrag": [],
        "utbetalningsrader": [{"formansgrupp": {"kod": benefit.code, "beskrivning": benefit.name}, "belopp": gross}],
    }
    if tax:
        payment["avdrag"] = [{"belopp": tax, "avdragstyp": {"kod": "PM:PS", "beskrivning": "Preliminär skatt"}}]
    return payment


def _sek(amount: int) -> dict[str, Any]:
    return {"summa": amount, "valuta": "SEK"}


def _payment_day(month: str) -> str:
    return first_day(month).replace(day=19).isoformat()


def _json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _from_base64(text: str, what: str) -> Any:
    raw = base64_bytes(text, what)
    try:
        return json.loads(raw)
    except ValueError:
        raise PayloadError(f"{what}: not JSON in UTF-8") from None
