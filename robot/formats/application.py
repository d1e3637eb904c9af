"""The e-application `ansokan/1`, validated exactly as ../shared/FORMATS.md fixes it.

Unknown fields are errors. A document that is JSON but breaks the format is still an
application: `parse_application` returns the fields at fault (in Swedish) instead of raising,
and the chain turns them into a manual verdict with reason INVALID_APPLICATION.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
)

from robot.formats import personnummer
from robot.formats.period import FIRST_DAY, MONTH_PATTERN, add_months, first_day, last_day

MAX_AMOUNT = 10_000_000
"""Largest amount (kr) accepted for one cost or income line; larger is treated as a typing error."""
MAX_HOURS = 744
"""Hours in a 31-day month: more planned or attended hours in a month cannot be true."""
MAX_LIST = 50
"""Longest list of children, activities, costs or incomes accepted in one application."""
EARLIEST_SUBMISSION = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST_SUBMISSION = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
"""`submitted_at` outside these is a typing error (year 1, year 9999), never a real application."""
MAX_MONTHS_IN_ADVANCE = 12
"""An application is not submitted more than this many months before its period begins."""

APPLICATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_APPLICATION_ID = re.compile(APPLICATION_ID_PATTERN)


class CostType(StrEnum):
    hyra = "hyra"
    hushallsel = "hushallsel"
    hemforsakring = "hemforsakring"
    arbetsresor = "arbetsresor"
    fackavgift = "fackavgift"
    a_kassa = "a_kassa"
    lakarvard = "lakarvard"
    medicin = "medicin"
    barnomsorg = "barnomsorg"
    tandvard = "tandvard"
    glasogon = "glasogon"
    ovrigt = "ovrigt"


class IncomeType(StrEnum):
    lon = "lon"
    a_kassa = "a_kassa"
    aktivitetsstod = "aktivitetsstod"
    etableringsersattning = "etableringsersattning"
    sjukpenning = "sjukpenning"
    foraldrapenning = "foraldrapenning"
    bostadsbidrag = "bostadsbidrag"
    barnbidrag = "barnbidrag"
    underhallsstod = "underhallsstod"
    studiemedel = "studiemedel"
    pension = "pension"
    ovrigt = "ovrigt"


class ActivityKind(StrEnum):
    kompetenscenter = "kompetenscenter"
    sfi = "sfi"
    praktik = "praktik"
    af_program = "af_program"
    studier = "studier"
    annan = "annan"


class Exemption(StrEnum):
    sjukskrivning = "sjukskrivning"
    foraldraledighet = "foraldraledighet"
    annat = "annat"


Month = Annotated[str, Field(pattern=MONTH_PATTERN)]
Amount = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT)]
Hours = Annotated[StrictInt, Field(ge=0, le=MAX_HOURS)]
PersonRef = Annotated[str, Field(pattern=r"^(applicant|co_applicant|child:(0|[1-9][0-9]?))$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Adult(_Strict):
    personnummer: str
    able_to_work: StrictBool

    @field_validator("personnummer")
    @classmethod
    def _valid_personnummer(cls, value: str) -> str:
        why = personnummer.problem(value)
        if why:
            raise ValueError(f"ogiltigt personnummer: {why}")
        return value


class Child(_Strict):
    birth_date: dt.date
    lunch_away_5_days: StrictBool
    in_school: StrictBool | None = None
    """Attends gymnasieskola or equivalent (asked for ages 16–20); None: not stated."""
    lives_here: Literal["heltid", "vaxelvis"] = "heltid"


class Assets(_Strict):
    """Savings on the application day, and whether the household owns anything else of value."""

    bank: Amount
    other: StrictBool


class Household(_Strict):
    applicant: Adult
    co_applicant: Adult | None
    children: Annotated[list[Child], Field(max_length=MAX_LIST)]
    other_adults: Annotated[StrictInt, Field(ge=0, le=20)]
    protected_identity: StrictBool
    changed_since_last_application: StrictBool
    assets: Assets | None = None
    """None: the e-service did not ask; nothing declared."""


class Activity(_Strict):
    person: PersonRef
    kind: ActivityKind
    month: Month
    planned_hours: Hours
    attended_hours: Hours
    exemption: Exemption | None


class Cost(_Strict):
    type: CostType
    amount: Amount


class Income(_Strict):
    person: PersonRef
    type: IncomeType
    month: Month
    amount: Amount


class History(_Strict):
    consecutive_months_with_support: Annotated[StrictInt, Field(ge=0, le=1200)]
    jobbstimulans_months_used: Annotated[StrictInt, Field(ge=0, le=1200)] | None = None
    """Months for which jobbstimulans has already been counted; None: not stated."""
    last_support_month: Month | None = None
    """The last month with paid försörjningsstöd; None: no gap known beyond the months in a row."""
    consecutive_months_by_person: dict[Literal["applicant", "co_applicant"], Annotated[StrictInt, Field(ge=0, le=1200)]] = {}
    """Each adult's own months in a row with försörjningsstöd, where it differs from the household's (an
    adult who joined it, or had support before); absent: the household's `consecutive_months_with_support`."""
    jobbstimulans_start: Month | None = None
    """The first period of the household's 24-month jobbstimulans window, as the case system knows it;
    None: derived from an unbroken run of months with support (a break makes it unknown)."""


class Application(_Strict):
    format: Literal["ansokan/1"]
    application_id: Annotated[str, Field(pattern=APPLICATION_ID_PATTERN)]
    kind: Literal["ateransokan", "nyansokan"]
    channel: Literal["e-tjanst", "papper"]
    district: Annotated[str, Field(min_length=1, max_length=100)]
    period: Month
    submitted_at: AwareDatetime
    household: Household
    activities: Annotated[list[Activity], Field(max_length=MAX_LIST)]
    costs: Annotated[list[Cost], Field(max_length=MAX_LIST)]
    incomes: Annotated[list[Income], Field(max_length=MAX_LIST)]
    history: History
    unmapped: Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(max_length=MAX_LIST)] = []
    """What the source (a case system) said that ansokan/1 cannot carry, in Swedish; not empty: manual."""

    def adults(self) -> list[tuple[str, Adult]]:
        """The applicant and the co-applicant, by role."""
        pairs = [("applicant", self.household.applicant)]
        if self.household.co_applicant is not None:
            pairs.append(("co_applicant", self.household.co_applicant))
        return pairs

    def household_size(self) -> int:
        h = self.household
        return 1 + (h.co_applicant is not None) + len(h.children) + h.other_adults


@dataclass(frozen=True)
class FieldError:
    """One field at fault: where (a path like `household.children[0].birth_date`) and why, in Swedish."""

    field: str
    problem: str

    def text(self) -> str:
        return f"{self.field}: {self.problem}" if self.field else self.problem


@dataclass(frozen=True)
class ParsedApplication:
    """The outcome of reading one document: a valid application, or the fields at fault."""

    application_id: str
    application: Application | None
    errors: tuple[FieldError, ...]


class NotAnApplication(ValueError):
    """The bytes are not a JSON object at all; such a file is rejected at intake, not queued."""


class _Repeated(dict):  # type: ignore[type-arg]
    """A JSON object in which some key occurs more than once (`repeated`): which value counts is unknowable."""

    repeated: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(pairs)
    if len(doc) == len(pairs):
        return doc
    seen: set[str] = set()
    marked = _Repeated(doc)
    marked.repeated = list(dict.fromkeys(k for k, _ in pairs if k in seen or seen.add(k)))  # type: ignore[func-returns-value]
    return marked


def load_json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in `raw`; a key that occurs twice is kept (last value) and found by `repeated_keys`."""
    return _load(raw)[0]


def load_top_level(raw: bytes) -> dict[str, Any]:
    """`load_json_object` for a reader of the top level alone, which of repeated keys minds only `application_id`
    (intake: `application_id_of`); raises NotAnApplication as it does, for the same documents.

    Marking repeated keys takes a Python call for every object in the document (two fifths of reading one).
    It is skipped where no key can be named `application_id` twice (the name occurs once at most, and nothing
    is escaped) and the nesting is too shallow for the calls to matter to Python's recursion limit; the
    objects are then those `load_json_object` returns. Anything else, failures included, goes its way."""
    if (
        b"\\" in raw
        or b"\x00" in raw  # UTF-16 or UTF-32: the name's bytes would not be found
        or raw.count(b'"application_id"') > 1
        or raw.count(b"{") + raw.count(b"[") > _SHALLOW
    ):
        return load_json_object(raw)
    try:
        doc = json.loads(raw.decode())  # strictly UTF-8 (json.loads of bytes guesses the encoding, in Python)
    except (ValueError, RecursionError):
        doc = None
    return doc if type(doc) is dict else load_json_object(raw)


_SHALLOW = 512
"""Objects and lists a document may hold for `load_top_level` to parse it unmarked: however nested, far from the
recursion limit (1 000 frames), which marking reaches a few levels sooner."""


def _load(raw: bytes) -> tuple[dict[str, Any], bool]:
    """The JSON object in `raw`, and whether some object in it repeats a key (only then is it worth a walk)."""
    repeats = False

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeats
        doc = _object(pairs)
        repeats = repeats or type(doc) is _Repeated
        return doc

    try:
        doc = json.loads(raw, object_pairs_hook=hook)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits, too deep
        raise NotAnApplication(f"not valid JSON: {_short(exc)}") from None
    if not isinstance(doc, dict):
        raise NotAnApplication(f"not a JSON object but a JSON {type(doc).__name__}")
    return doc, repeats


def repeated_keys(doc: Any, path: str = "") -> list[str]:
    """Paths of the keys that occur more than once in one object, anywhere in `doc` (from `load_json_object`)."""
    found = [f"{path}.{k}" if path else k for k in getattr(doc, "repeated", ())]
    children = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in children:
        if isinstance(value, dict | list):
            found += repeated_keys(
                value, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
            )
    return found


def application_id_of(doc: dict[str, Any], raw: bytes) -> str:
    """The application's id, or for a document without a usable one a stable id from its content.

    The content-derived id keeps intake idempotent for broken documents too: the same bytes
    submitted twice are one application. An `application_id` given twice is not usable.
    """
    candidate = doc.get("application_id")
    if "application_id" in getattr(doc, "repeated", ()):
        candidate = None
    if isinstance(candidate, str) and _APPLICATION_ID.match(candidate):
        return candidate
    return "UTAN-ID-" + hashlib.sha256(raw).hexdigest()[:16].upper()


def parse_application(raw: bytes) -> ParsedApplication:
    """Validate one `ansokan/1` document. Raises NotAnApplication only for non-objects.

    A key given twice in one object is an error naming it: a human reader and a parser may take
    different values (another personnummer, another amount), so neither is taken.
    """
    doc, any_repeated = _load(raw)
    repeated = repeated_keys(doc) if any_repeated else []
    if repeated:
        errors = [FieldError(printable(p, 80), "fältet förekommer mer än en gång") for p in repeated[:25]]
        return ParsedApplication(application_id_of(doc, raw), None, tuple(errors))
    try:
        app = Application.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        return ParsedApplication(application_id_of(doc, raw), None, tuple(_field_errors(exc)))
    errors = reference_errors(app)
    if errors:
        return ParsedApplication(app.application_id, None, tuple(errors))
    return ParsedApplication(app.application_id, app, ())


def reference_errors(app: Application) -> list[FieldError]:
    """Cross-field rules the schema alone cannot express."""
    errors: list[FieldError] = []
    h = app.household
    roles = {"applicant"} | ({"co_applicant"} if h.co_applicant else set())
    roles |= {f"child:{i}" for i in range(len(h.children))}
    for name, items in (("activities", app.activities), ("incomes", app.incomes)):
        for i, item in enumerate(items):
            if item.person not in roles:
                errors.append(FieldError(f"{name}[{i}].person", f"personen {item.person} finns inte i hushållet"))
    if h.co_applicant and h.co_applicant.personnummer == h.applicant.personnummer:
        errors.append(FieldError("household.co_applicant.personnummer", "samma personnummer som sökande"))
    return errors + _date_errors(app) + _hour_errors(app)


def _date_errors(app: Application) -> list[FieldError]:
    """Dates that cannot be true: a submission in year 1 or 9999, people born after it, unborn children."""
    errors: list[FieldError] = []
    submitted = app.submitted_at
    period_start = first_day(app.period)
    if not EARLIEST_SUBMISSION <= submitted < LATEST_SUBMISSION:
        errors.append(FieldError("submitted_at", "ska vara en tidpunkt från år 2000 till år 2199"))
        return errors
    submitted_day = submitted.astimezone(dt.UTC).date()
    if add_months(submitted_day, MAX_MONTHS_IN_ADVANCE) < period_start:
        errors.append(
            FieldError("submitted_at", f"ligger mer än {MAX_MONTHS_IN_ADVANCE} månader före perioden {app.period}")
        )
    for role, adult in app.adults():
        born = personnummer.birth_date(adult.personnummer)
        if born > submitted_day:
            errors.append(FieldError(f"household.{role}.personnummer", "födelsedatumet ligger efter ansökningsdagen"))
    for i, child in enumerate(app.household.children):
        if child.birth_date < FIRST_DAY:
            errors.append(FieldError(f"household.children[{i}].birth_date", f"får inte vara före {FIRST_DAY.isoformat()}"))
        elif child.birth_date > last_day(app.period):
            errors.append(FieldError(f"household.children[{i}].birth_date", f"ligger efter perioden {app.period}"))
    return errors


def _hour_errors(app: Application) -> list[FieldError]:
    return [
        FieldError(
            f"activities[{i}].attended_hours",
            f"fler närvarotimmar ({a.attended_hours}) än planerade ({a.planned_hours})",
        )
        for i, a in enumerate(app.activities)
        if a.attended_hours > a.planned_hours
    ]


_MESSAGES = {
    "missing": "fältet saknas",
    "extra_forbidden": "okänt fält",
    "int_type": "ska vara ett heltal",
    "int_parsing": "ska vara ett heltal",
    "int_from_float": "ska vara ett heltal (hela kronor)",
    "bool_type": "ska vara true eller false",
    "bool_parsing": "ska vara true eller false",
    "string_type": "ska vara en text",
    "list_type": "ska vara en lista",
    "model_type": "ska vara ett objekt",
    "model_attributes_type": "ska vara ett objekt",
    "dict_type": "ska vara ett objekt",
    "date_type": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_parsing": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_from_datetime_parsing": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_from_datetime_inexact": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "datetime_type": "ska vara en tidpunkt med tidszon (ISO 8601)",
    "datetime_parsing": "ska vara en tidpunkt med tidszon (ISO 8601)",
    "datetime_from_date_parsing": "ska vara en tidpunkt med tidszon (ISO 8601)",
    "timezone_aware": "ska ange tidszon",
    "string_pattern_mismatch": "har fel form",
    "string_too_short": "får inte vara tom",
    "string_too_long": "är för lång",
    "too_long": "har för många rader",
    "none_required": "ska vara null",
    "json_invalid": "är inte giltig JSON",
    "recursion_loop": "är för djupt nästlad",
}

_PATTERN_HINTS = {
    "period": "ska vara en månad ÅÅÅÅ-MM från 1900-01 till 2199-12",
    "month": "ska vara en månad ÅÅÅÅ-MM från 1900-01 till 2199-12",
    "last_support_month": "ska vara en månad ÅÅÅÅ-MM från 1900-01 till 2199-12",
    "application_id": "ska vara 1–64 tecken: bokstäver A–Z, siffror, punkt, bindestreck eller understreck",
    "person": "ska vara applicant, co_applicant eller child:N",
}


def _field_errors(exc: ValidationError, limit: int = 25) -> list[FieldError]:
    out: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = _loc_text(err["loc"])
        problem = swedish_message(err, loc)
        if (loc, problem) in seen:
            continue
        seen.add((loc, problem))
        out.append(FieldError(loc, problem))
        if len(out) >= limit:
            out.append(FieldError("", "fler fel finns men visas inte"))
            break
    return out


def swedish_message(err: Any, loc: str) -> str:
    """A pydantic error in Swedish, for whoever has to fix the document."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    last = loc.rsplit(".", 1)[-1]
    last = last.split("[", 1)[0]
    if kind in ("literal_error", "enum"):
        return f"ogiltigt värde; tillåtna värden: {ctx.get('expected', '')}".replace("'", "")
    if kind in ("greater_than_equal", "greater_than"):
        return f"får inte vara mindre än {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"får inte vara större än {ctx.get('le', ctx.get('lt'))}"
    if kind == "string_pattern_mismatch" and last in _PATTERN_HINTS:
        return _PATTERN_HINTS[last]
    if kind == "too_long":
        return f"får ha högst {ctx.get('max_length')} rader"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "ogiltigt värde")))
    return _MESSAGES.get(kind, "ogiltigt värde")


def _loc_text(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + printable(str(part), 40)
    return text


def printable(text: str, limit: int) -> str:
    """Text from a document made safe to show and store: no control characters or lone surrogates, bounded."""
    if len(text) <= limit and text.isprintable():  # most text: a surrogate is not printable either
        return text
    cleaned = "".join(ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in text[: limit + 1])
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
