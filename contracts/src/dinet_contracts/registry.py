"""Every published event type, by its CloudEvents `type`: the one lookup consumers use."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from .envelope import CloudEvent, Event, RawCloudEvent, envelope_model
from .events.activiteiten import OPVOLGERS, AanwezigheidGeregistreerd, FeedbackOntvangen, InschrijvingGewijzigd
from .events.beleidsplan import (
    BeleidsplanAangemaakt,
    BeleidsplanGepubliceerd,
    OndersteuningsnoodGesignaleerd,
    ZelfevaluatieIngediend,
)
from .events.kpi import KpiDoelGewijzigd, KpiJaarAfgesloten, KpiJaarHeropend
from .events.meldingen import (
    MeldingGebounced,
    MeldingVerzonden,
    NieuwsbriefInschrijvingBevestigd,
    NieuwsbriefVerzonden,
    ToestemmingGewijzigd,
)
from .events.registratie import (
    CONTACT_OPVOLGERS,
    LidContactgegevens,
    LidContactgegevensV2,
    LidGeregistreerd,
    LidGewist,
    LidKennisdelingGewijzigd,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)

# The activity events, version 1 and its successors: registratie publishes them, and partner
# organisations may publish them too.
_ACTIVITEIT_EVENTS: tuple[type[Event], ...] = (*OPVOLGERS, *OPVOLGERS.values())

# The service that owns (publishes) each event; deploy permissions are derived from this.
PUBLISHED_BY: dict[str, tuple[type[Event], ...]] = {
    "registratie": (
        LidGeregistreerd,
        LidContactgegevens,
        LidContactgegevensV2,
        LidOrganisatieGewijzigd,
        LidUitgeschreven,
        LidKennisdelingGewijzigd,
        LidGewist,
        OrganisatieBijgewerkt,
        *_ACTIVITEIT_EVENTS,
        InschrijvingGewijzigd,
        AanwezigheidGeregistreerd,
        FeedbackOntvangen,
    ),
    "beleidsplan": (BeleidsplanAangemaakt, BeleidsplanGepubliceerd, ZelfevaluatieIngediend, OndersteuningsnoodGesignaleerd),
    "meldingen": (
        NieuwsbriefInschrijvingBevestigd,
        MeldingVerzonden,
        NieuwsbriefVerzonden,
        ToestemmingGewijzigd,
        MeldingGebounced,
    ),
    "kpi": (KpiDoelGewijzigd, KpiJaarAfgesloten, KpiJaarHeropend),
}

# What partner organisations may publish themselves, each on its own prefix; registratie checks
# them and takes them over as its own events (see topology.PARTNERS).
PARTNER_EVENTS: tuple[type[Event], ...] = _ACTIVITEIT_EVENTS

EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type: cls for classes in PUBLISHED_BY.values() for cls in classes
}


# An old version and the newest one it is read as (upcast on read): data of an old version is
# valid data of the new one with the new, optional fields empty. Chains (v1 -> v2 -> v3) resolve.
UPCASTS: dict[type[Event], type[Event]] = {**OPVOLGERS, **CONTACT_OPVOLGERS}


class UnknownEventType(ValueError):
    pass


def newest(cls: type[Event]) -> type[Event]:
    """The newest version an event type is read as."""
    while cls in UPCASTS:
        cls = UPCASTS[cls]
    return cls


def upcast(event: CloudEvent) -> CloudEvent:
    """`event` with its data in the newest version of its type; the envelope (its `type`
    included) stays what was sent, so what a consumer records about the message is true."""
    target = newest(type(event.data))
    if target is type(event.data):
        return event
    # Validated again as the new version (its own rules hold), the envelope only copied.
    return event.model_copy(update={"data": target.model_validate(event.data.model_dump())})


def parse(body: bytes | str | dict[str, Any]) -> CloudEvent:
    """Validate an envelope and its data against the model named by its `type`.

    Raises `pydantic.ValidationError` for a malformed envelope or data (for a known type, every
    wrong field of both at once) and `UnknownEventType` for a type nobody published; callers
    dead-letter both with the message as the reason.

    The data comes back in the newest version of its type (`upcast`): a consumer reads one shape
    whatever version was published, and `event.type` still says which one was.
    """
    if not isinstance(body, dict):
        try:
            # pydantic's JSON reader: half the time of json.loads, a share a rebuild feels.
            body = from_json(body)
        except ValueError:
            RawCloudEvent.model_validate_json(body)  # raises, naming what is wrong with the JSON
            raise
    soort = body.get("type") if isinstance(body, dict) else None
    cls = EVENT_TYPES.get(soort) if isinstance(soort, str) else None
    if cls is None:
        raw = RawCloudEvent.model_validate(body)
        raise UnknownEventType(f"onbekend gebeurtenistype {raw.type!r}")
    return upcast(envelope_model(cls).model_validate(body))


def describe_error(exc: Exception) -> str:
    """One line per problem, stable enough to read in a dead-letter listing."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(envelope)'}: {err['type']}: {err['msg']}"
            for err in exc.errors()
        )
    return f"{type(exc).__name__}: {exc}"
