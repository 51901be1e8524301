"""The published JSON Schemas tell the truth: what they refuse, the models refuse (and the other
way round, where JSON Schema can say it). The AsyncAPI document that points at them is generated
above the services, and checked against the AsyncAPI 3.0 schema there (cli/tests/test_asyncapi.py)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pydantic
import pytest
from dinet_contracts import EVENT_TYPES, parse, wrap
from dinet_contracts.events.activiteiten import Activiteit, ActiviteitGepland
from dinet_contracts.generate import check_compatible, repo_root
from dinet_contracts.registry import PARTNER_EVENTS
from dinet_contracts.types import RFC3339_PATTERN, ActiviteitSoort, ActiviteitStatus, Trekker, Vorm

ROOT = repo_root()
SCHEMAS = ROOT / "contracts" / "schemas"
EXAMPLES = ROOT / "contracts" / "examples"


def _niet_voor(validator: Any, regels: dict[str, str], instance: Any, schema: dict[str, Any]) -> Any:
    """`x-dinet-niet-voor: {"einde": "start"}`: the field may not lie before the other one."""
    if not isinstance(instance, dict):
        return
    for later, eerder in regels.items():
        try:
            a = datetime.fromisoformat(str(instance[eerder]).replace("z", "Z"))
            b = datetime.fromisoformat(str(instance[later]).replace("z", "Z"))
        except (KeyError, ValueError):
            continue  # absent or malformed: the properties' own keywords report that
        if a.tzinfo is not None and b.tzinfo is not None and b < a:
            yield jsonschema.ValidationError(f"{later} ligt voor {eerder}", validator_value=regels)


# Draft 2020-12 plus the one rule the standard cannot express: our schemas' own keyword.
DinetValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"x-dinet-niet-voor": _niet_voor})


def _schema(event_type: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{event_type}.json").read_text(encoding="utf-8"))


def _validator(event_type: str) -> jsonschema.protocols.Validator:
    return DinetValidator(_schema(event_type), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _voorbeeld(event_type: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))


def test_every_published_schema_is_a_valid_json_schema_2020_12():
    files = sorted(SCHEMAS.glob("*.json"))
    assert len(files) == len(EVENT_TYPES) == 31
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)  # the metaschema check
    # The check itself refuses a broken schema, so passing it means something.
    with pytest.raises(jsonschema.SchemaError):
        jsonschema.Draft202012Validator.check_schema({"type": "object", "required": "specversion"})


def _zet(pad: str, waarde: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(e: dict[str, Any]) -> None:
        *weg, laatste = pad.split(".")
        node = e
        for deel in weg:
            node = node[deel]
        node[laatste] = waarde

    return mutate


def _weg(pad: str) -> Callable[[dict[str, Any]], None]:
    def mutate(e: dict[str, Any]) -> None:
        *weg, laatste = pad.split(".")
        node = e
        for deel in weg:
            node = node[deel]
        del node[laatste]

    return mutate


START = "data.activiteit.start"
EINDE = "data.activiteit.einde"
DUUR = "data.activiteit.duur_uren"

# (what, change, the field the model names). The example starts 2026-04-02T09:00:00Z.
GEWEIGERD = [
    ("time zonder offset", _zet("time", "2027-01-05T10:00:00"), "time"),
    ("start zonder offset", _zet(START, "2026-04-02T09:00:00"), START),
    ("einde zonder offset", _zet(EINDE, "2026-04-02T12:00:00"), EINDE),
    ("specversion ontbreekt", _weg("specversion"), "specversion"),
    ("andere specversion", _zet("specversion", "0.3"), "specversion"),
    ("einde voor start", _zet(EINDE, "2026-04-02T08:59:59Z"), EINDE),
    ("einde voor start in een andere tijdzone", _zet(EINDE, "2026-04-02T10:30:00+02:00"), EINDE),
    ("tijdstip met een spatie", _zet(START, "2026-04-02 09:00:00Z"), START),
    ("tijdstip als Unix-tijd", _zet(START, 1775120400), START),
    ("negatieve duur als tekst", _zet(DUUR, "-1"), DUUR),
    ("negatieve duur als getal", _zet(DUUR, -1), DUUR),
    ("duur met exponent", _zet(DUUR, "1e2"), DUUR),
    ("duur boven numeric(6, 2)", _zet(DUUR, 10000), DUUR),
    ("duur met drie decimalen", _zet(DUUR, "1.125"), DUUR),
    ("versie 0", _zet("data.activiteit.versie", 0), "data.activiteit.versie"),
    ("negatieve capaciteit", _zet("data.activiteit.capaciteit", -5), "data.activiteit.capaciteit"),
    ("lege titel", _zet("data.activiteit.titel", ""), "data.activiteit.titel"),
]

AANVAARD = [
    ("het voorbeeld", lambda e: None),
    ("offset +01:00", _zet(START, "2026-04-02T10:00:00+01:00")),
    ("breuken van seconden", _zet(EINDE, "2026-04-02T12:00:00.250Z")),
    ("einde gelijk aan start (een publicatie)", _zet(EINDE, "2026-04-02T09:00:00Z")),
    ("einde gelijk aan start, andere tijdzone", _zet(EINDE, "2026-04-02T11:00:00+02:00")),
    ("duur met decimalen", _zet(DUUR, "1.5")),
    ("duur als getal", _zet(DUUR, 2.5)),
]


@pytest.mark.parametrize("event_type", [cls.event_type for cls in PARTNER_EVENTS])
@pytest.mark.parametrize(("wat", "mutate", "veld"), GEWEIGERD, ids=[g[0] for g in GEWEIGERD])
def test_schema_and_model_refuse_the_same_partner_events(event_type: str, wat: str, mutate: Any, veld: str):
    event = _voorbeeld("be.dinet.activiteit.gepland.v1")
    event["type"] = event_type
    event["dataschema"] = f"urn:dinet:schema:{event_type}"
    mutate(event)
    fouten = list(_validator(event_type).iter_errors(event))
    assert fouten, f"het schema aanvaardt {wat}"
    with pytest.raises(pydantic.ValidationError) as exc:
        parse(event)
    assert veld in {".".join(str(p) for p in e["loc"]) for e in exc.value.errors()}, exc.value.errors()


@pytest.mark.parametrize("event_type", [cls.event_type for cls in PARTNER_EVENTS])
@pytest.mark.parametrize(("wat", "mutate"), AANVAARD, ids=[a[0] for a in AANVAARD])
def test_schema_and_model_accept_the_same_valid_partner_events(event_type: str, wat: str, mutate: Any):
    event = _voorbeeld("be.dinet.activiteit.gepland.v1")
    event["type"] = event_type
    event["dataschema"] = f"urn:dinet:schema:{event_type}"
    mutate(event)
    assert not [f.message for f in _validator(event_type).iter_errors(event)], wat
    assert parse(event).type == event_type


def test_the_model_names_the_field_and_gives_a_stable_code():
    event = _voorbeeld("be.dinet.activiteit.gepland.v1")
    event["data"]["activiteit"]["start"] = "2027-01-05T10:00:00"
    event["data"]["activiteit"]["einde"] = "2027-01-05T09:00:00+01:00"
    with pytest.raises(pydantic.ValidationError) as exc:
        parse(event)
    assert [(e["loc"], e["type"]) for e in exc.value.errors()] == [(("data", "activiteit", "start"), "tijdzone_ontbreekt")]

    event = _voorbeeld("be.dinet.activiteit.gepland.v1")
    event["data"]["activiteit"]["einde"] = "2026-04-02T08:00:00Z"
    with pytest.raises(pydantic.ValidationError) as exc:
        parse(event)
    assert [(e["loc"], e["type"]) for e in exc.value.errors()] == [(("data", "activiteit", "einde"), "einde_voor_start")]

    event = _voorbeeld("be.dinet.activiteit.gepland.v1")
    event["data"]["activiteit_id"] = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(pydantic.ValidationError) as exc:
        parse(event)
    assert [(e["loc"], e["type"]) for e in exc.value.errors()] == [(("data", "activiteit_id"), "komt_niet_overeen")]


def test_aware_times_as_the_services_write_them_match_the_published_pattern():
    # What is already on the bus was written by these models from aware datetimes: the pattern
    # the schemas now spell out refuses none of it.
    import re

    patroon = re.compile(RFC3339_PATTERN)
    for moment in (
        datetime(2026, 4, 2, 9, tzinfo=UTC),
        datetime(2026, 4, 2, 9, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 7, 2, 9, tzinfo=ZoneInfo("Europe/Brussels")),
        datetime(2026, 1, 2, 9, tzinfo=timezone(timedelta(hours=-5))),
        datetime.now(UTC),
    ):
        a = Activiteit(
            activiteit_id="0b7e9c7e-3f0a-4d5e-8a1b-2c3d4e5f6a7b",
            versie=1,
            soort=ActiviteitSoort.INFOSESSIE,
            titel="x",
            organisator_id="c2cd0702-55d9-56cd-94ff-9acdff6508dd",
            trekker=Trekker.VVSG,
            vorm=Vorm.ONLINE,
            start=moment,
            einde=moment,
            duur_uren=Decimal("0"),
            status=ActiviteitStatus.GEPLAND,
        )
        body = json.loads(wrap(ActiviteitGepland(activiteit_id=a.activiteit_id, activiteit=a), source="/t", time=moment).model_dump_json())
        for tekst in (body["time"], body["data"]["activiteit"]["start"], body["data"]["activiteit"]["einde"]):
            assert patroon.match(tekst), tekst
        assert not list(_validator(ActiviteitGepland.event_type).iter_errors(body))
    with pytest.raises(pydantic.ValidationError):
        wrap(ActiviteitGepland(activiteit_id=a.activiteit_id, activiteit=a), source="/t", time=datetime(2026, 4, 2, 9))


def test_spelling_out_rfc3339_is_compatible_but_another_pattern_is_not():
    oud = {"type": "object", "properties": {"t": {"type": "string", "format": "date-time"}}, "required": ["t"]}
    nieuw = copy.deepcopy(oud)
    nieuw["properties"]["t"]["pattern"] = RFC3339_PATTERN
    assert check_compatible(oud, nieuw) == []
    anders = copy.deepcopy(oud)
    anders["properties"]["t"]["pattern"] = "^2026-"
    assert any("pattern" in p for p in check_compatible(oud, anders))
    geen_tijd = {"type": "object", "properties": {"t": {"type": "string"}}}
    met = copy.deepcopy(geen_tijd)
    met["properties"]["t"]["pattern"] = RFC3339_PATTERN
    assert any("pattern" in p for p in check_compatible(geen_tijd, met))
