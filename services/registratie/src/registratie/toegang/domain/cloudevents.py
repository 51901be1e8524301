"""CloudEvents 1.0 over HTTP (structured, binary and batch content modes), free of I/O.

Turns a request (content type, headers, body) into validated partner events, or into problems
that name the field: the event's own path (`data.activiteit.titel`), in binary mode the header
(`ce-type`), and in a batch also the event's index. Spec: CloudEvents HTTP protocol binding 1.0.

The rules are not written here: the contract model (`dinet_contracts`) refuses what the published
schema refuses (times without an offset, an end before the start, ...), and the partner consumer's
own rules come from `activiteiten.partners`; this module only reports them per field.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from dinet_chassis.web.problem import field_error_from_pydantic
from dinet_contracts import EVENT_TYPES, CloudEvent, UnknownEventType, parse
from dinet_contracts.registry import PARTNER_EVENTS
from dinet_contracts.topology import partner_subject as _partner_subject
from pydantic import ValidationError

from ...activiteiten.use_cases.partners import inhoudelijke_fouten

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
JSON = "application/json"
TOEGELATEN_TYPES = frozenset(cls.event_type for cls in PARTNER_EVENTS)  # activities, nothing else
MAX_BATCH = 1000
ORGANISATOR_VELD = "data.activiteit.organisator_id"

# Attributes a binary-mode request carries as `ce-<name>` headers (the body is `data`).
_CE_ATTRIBUTEN = ("specversion", "id", "source", "type", "subject", "time", "dataschema")


@dataclass(frozen=True)
class Probleem:
    veld: str
    code: str
    melding: str
    index: int | None = None
    status: int = 422  # 403: not your organisation; 409: the id is someone else's activity

    @property
    def verboden(self) -> bool:
        return self.status == 403

    def als_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"veld": self.veld, "code": self.code, "melding": self.melding}
        if self.index is not None:
            d = {"index": self.index, **d}
        return d


class OnleesbareAanvraag(Exception):
    """The request as a whole cannot be read: 400 (bad JSON) or 415 (unknown content type)."""

    def __init__(self, status: int, melding: str) -> None:
        super().__init__(melding)
        self.status = status
        self.melding = melding


@dataclass(frozen=True)
class Aanvraag:
    envelopes: list[Any]
    modus: str  # "structured", "binary" or "batch"


def _mediatype(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OnleesbareAanvraag(400, f"De inhoud is geen geldige JSON: {exc}.") from exc


def lees_aanvraag(content_type: str | None, headers: Mapping[str, str], body: bytes) -> Aanvraag:
    soort = _mediatype(content_type)
    if soort == STRUCTURED:
        return Aanvraag([_json(body)], "structured")
    if soort == BATCH:
        inhoud = _json(body)
        if not isinstance(inhoud, list):
            raise OnleesbareAanvraag(400, "Een batch is een JSON-lijst van gebeurtenissen.")
        return Aanvraag(inhoud, "batch")
    if soort == JSON and any(k.lower() == "ce-specversion" for k in headers):
        envelope: dict[str, Any] = {}
        for naam, waarde in headers.items():
            sleutel = naam.lower()
            if sleutel.startswith("ce-"):
                # The binding percent-encodes header values that are not plain ASCII.
                envelope[sleutel[3:]] = unquote(waarde)
        envelope["datacontenttype"] = JSON
        envelope["data"] = _json(body)
        return Aanvraag([envelope], "binary")
    raise OnleesbareAanvraag(
        415,
        f"Gebruik Content-Type {STRUCTURED} (één gebeurtenis), {BATCH} (een lijst), "
        f"of {JSON} met ce-*-headers (binaire modus).",
    )


def _veldnaam(loc: tuple[Any, ...], modus: str) -> str:
    delen = [str(d) for d in loc]
    if modus == "binary" and delen and delen[0] in _CE_ATTRIBUTEN:
        return f"ce-{delen[0]}"
    return ".".join(delen) or "body"


def _problemen_uit(exc: ValidationError, modus: str, index: int | None) -> list[Probleem]:
    resultaat: list[Probleem] = []
    gezien: set[str] = set()
    for fout in exc.errors():
        fe = field_error_from_pydantic(fout)
        veld = _veldnaam(tuple(fout.get("loc", ())), modus)
        if veld not in gezien:
            gezien.add(veld)
            resultaat.append(Probleem(veld, fe.code, fe.melding, index))
    return resultaat


def controleer(
    envelope: Any, organisatie_id: uuid.UUID, *, modus: str, index: int | None = None
) -> CloudEvent | list[Probleem]:
    """One envelope: a valid activity event of this organisation, or what is wrong with it."""
    type_veld = "ce-type" if modus == "binary" else "type"
    id_veld = "ce-id" if modus == "binary" else "id"
    if not isinstance(envelope, dict):
        return [Probleem("body" if index is None else f"[{index}]", "ongeldig_type", "Verwacht een JSON-object.", index)]
    soort = envelope.get("type")
    if isinstance(soort, str) and soort in EVENT_TYPES and soort not in TOEGELATEN_TYPES:
        return [
            Probleem(
                type_veld,
                "type_niet_toegelaten",
                f"Partners publiceren alleen activiteiten: {', '.join(sorted(TOEGELATEN_TYPES))}.",
                index,
            )
        ]
    try:
        event = parse(envelope)
    except UnknownEventType:
        return [Probleem(type_veld, "onbekend_type", f"Onbekend type {soort!r}. Zie de handleiding voor de types.", index)]
    except ValidationError as exc:
        return _problemen_uit(exc, modus, index)

    problemen: list[Probleem] = []
    try:
        uuid.UUID(event.id)
    except ValueError:
        # Ids are the deduplication key on a stream shared by every partner: a random UUID
        # cannot collide with another organisation's ids by accident.
        problemen.append(Probleem(id_veld, "ongeldige_waarde", "Geef als id een UUID, bv. uit uuidgen.", index))
    activiteit = event.data.activiteit
    if activiteit.organisator_id != organisatie_id:
        problemen.append(
            Probleem(
                ORGANISATOR_VELD,
                "andere_organisatie",
                f"Je mag alleen activiteiten van je eigen organisatie publiceren ({organisatie_id}).",
                index,
                status=403,
            )
        )
    problemen += [Probleem(f"data.activiteit.{f.veld}", f.code, f.melding, index) for f in inhoudelijke_fouten(activiteit)]
    return problemen or event


def partner_subject(organisatie_id: uuid.UUID, event_type: str) -> str:
    """`dinet.partner.<organisatie-id>.activiteit.gepland.v1` for `be.dinet.activiteit.gepland.v1`."""
    return _partner_subject(str(organisatie_id), event_type)


@dataclass(frozen=True)
class Resultaat:
    events: list[CloudEvent]
    problemen: list[Probleem]
    indexen: list[int | None] = field(default_factory=list)  # each event's index in a batch

    @property
    def verboden(self) -> bool:
        return any(p.verboden for p in self.problemen)

    @property
    def status(self) -> int:
        """403 before 409 before 422: the first thing the partner must change."""
        return min((p.status for p in self.problemen), key=(403, 409, 422).index, default=202)


def controleer_aanvraag(aanvraag: Aanvraag, organisatie_id: uuid.UUID) -> Resultaat:
    """Every envelope of the request; a batch is accepted whole or not at all."""
    if aanvraag.modus == "batch":
        if not aanvraag.envelopes:
            return Resultaat([], [Probleem("body", "te_kort", "Een batch bevat minstens één gebeurtenis.")])
        if len(aanvraag.envelopes) > MAX_BATCH:
            return Resultaat(
                [], [Probleem("body", "te_lang", f"Stuur hoogstens {MAX_BATCH} gebeurtenissen per batch.")]
            )
    events: list[CloudEvent] = []
    indexen: list[int | None] = []
    problemen: list[Probleem] = []
    gezien: dict[str, int] = {}
    for i, envelope in enumerate(aanvraag.envelopes):
        index = i if aanvraag.modus == "batch" else None
        uitkomst = controleer(envelope, organisatie_id, modus=aanvraag.modus, index=index)
        if isinstance(uitkomst, list):
            problemen.extend(uitkomst)
            continue
        if uitkomst.id in gezien:
            # Within one batch a repeated id is a mistake, not a retry: say so.
            problemen.append(
                Probleem("id", "dubbele_id", f"Deze id staat al op index {gezien[uitkomst.id]} van de batch.", index)
            )
            continue
        gezien[uitkomst.id] = i
        events.append(uitkomst)
        indexen.append(index)
    return Resultaat(events, problemen, indexen)
