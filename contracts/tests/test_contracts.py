"""The published contracts: generated files in sync, versions never broken, examples valid,
and a bus layout in which every event lands in exactly one stream."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pydantic
import pytest
from dinet_contracts import EVENT_TYPES, UnknownEventType, parse
from dinet_contracts.generate import (
    REGENERATE,
    all_schemas,
    check_compatible,
    compatibility_problems,
    contract_files,
    drifted,
    repo_root,
    stream_for,
    streams_for,
    subject_pattern,
    subject_within,
    subjects_overlap,
)
from dinet_contracts.topology import CONSUMERS, PERSOONSGEGEVENS, STREAMS

ROOT = repo_root()
SCHEMAS = ROOT / "contracts" / "schemas"
EXAMPLES = ROOT / "contracts" / "examples"


# --------------------------------------------------------------------------- drift


def test_checked_in_schemas_are_generated_from_the_models():
    files = contract_files(ROOT)
    stale = [str(p.relative_to(ROOT)) for p in drifted(files)]
    assert not stale, f"verouderd: {stale}; genereer opnieuw met `{REGENERATE}` en check het resultaat in"
    extra = {p.name for p in SCHEMAS.glob("*.json")} - {p.name for p in files if p.parent == SCHEMAS}
    assert not extra, f"schema's zonder model: {sorted(extra)}"


def test_every_event_type_has_a_schema_and_an_example():
    for event_type in EVENT_TYPES:
        assert (SCHEMAS / f"{event_type}.json").exists(), event_type
        assert (EXAMPLES / f"{event_type}.json").exists(), f"geen voorbeeld voor {event_type}"
    assert {p.stem for p in EXAMPLES.glob("*.json")} == set(EVENT_TYPES)


# --------------------------------------------------------------------------- compatibility


def test_checked_in_schemas_are_compatible_with_the_current_models():
    problems = compatibility_problems(ROOT)
    assert not problems, "een gepubliceerde versie is gebroken; voeg een nieuw type (.v2) toe:\n" + "\n".join(problems)


def _base_schema() -> dict:
    return {
        "$defs": {
            "Soort": {"enum": ["a", "b"], "type": "string"},
            "Data": {
                "additionalProperties": False,
                "properties": {
                    "id": {"format": "uuid", "type": "string"},
                    "naam": {"maxLength": 200, "minLength": 1, "type": "string", "title": "Naam"},
                    "aantal": {"minimum": 0, "type": "integer"},
                    "soort": {"$ref": "#/$defs/Soort"},
                    "opmerking": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
                },
                "required": ["id", "naam", "aantal", "soort"],
                "type": "object",
            },
        },
        "additionalProperties": True,
        "properties": {"id": {"minLength": 1, "type": "string"}, "data": {"$ref": "#/$defs/Data"}},
        "required": ["id", "data"],
        "type": "object",
    }


def _changed(mutate) -> list[str]:
    old = _base_schema()
    new = copy.deepcopy(old)
    mutate(new)
    return check_compatible(old, new)


def _data(schema: dict) -> dict:
    return schema["$defs"]["Data"]


def test_identical_and_documentation_only_changes_are_compatible():
    assert check_compatible(_base_schema(), _base_schema()) == []

    def document(s):
        _data(s)["properties"]["naam"]["title"] = "Volledige naam"
        _data(s)["properties"]["naam"]["description"] = "Zoals de persoon zelf schrijft."
        _data(s)["description"] = "Uitleg"

    assert _changed(document) == []


def test_an_optional_envelope_extension_is_compatible():
    # The envelope is open (CloudEvents extensions), so old readers ignore a new optional attribute.
    assert _changed(lambda s: s["properties"].update(traceid={"type": "string"})) == []


def test_removing_a_property_is_breaking():
    def remove(s):
        del _data(s)["properties"]["aantal"]
        _data(s)["required"].remove("aantal")

    problems = _changed(remove)
    assert any("data.aantal" in p and "verwijderd" in p for p in problems), problems


def test_adding_a_required_property_is_breaking():
    def add(s):
        _data(s)["properties"]["postcode"] = {"type": "string"}
        _data(s)["required"].append("postcode")

    problems = _changed(add)
    assert any("data.postcode" in p and "verplicht" in p for p in problems), problems


def test_adding_an_optional_property_to_the_closed_data_is_breaking():
    # `data` forbids unknown fields: consumers still on the published model would reject it.
    problems = _changed(lambda s: _data(s)["properties"].update(postcode={"type": "string"}))
    assert any("data.postcode" in p and "gesloten" in p for p in problems), problems


def test_making_an_optional_property_required_is_breaking():
    problems = _changed(lambda s: _data(s)["required"].append("opmerking"))
    assert any("data.opmerking" in p and "verplicht" in p for p in problems), problems


def test_changing_a_type_is_breaking():
    problems = _changed(lambda s: _data(s)["properties"].update(aantal={"minimum": 0, "type": "string"}))
    assert any("data.aantal" in p and "integer" in p for p in problems), problems


def test_making_a_nullable_property_non_nullable_is_breaking():
    problems = _changed(lambda s: _data(s)["properties"].update(opmerking={"type": "string"}))
    assert any("data.opmerking" in p and "null" in p for p in problems), problems


def test_changing_a_format_is_breaking():
    problems = _changed(lambda s: _data(s)["properties"]["id"].update(format="email"))
    assert any("data.id" in p and "format" in p for p in problems), problems


def test_narrowing_or_widening_an_enum_is_breaking():
    narrowed = _changed(lambda s: s["$defs"]["Soort"].update(enum=["a"]))
    assert any("data.soort" in p and "'b'" in p for p in narrowed), narrowed
    widened = _changed(lambda s: s["$defs"]["Soort"].update(enum=["a", "b", "c"]))
    assert any("data.soort" in p and "'c'" in p for p in widened), widened


def test_tightening_a_constraint_is_breaking():
    assert _changed(lambda s: _data(s)["properties"]["naam"].update(maxLength=100))
    assert _changed(lambda s: _data(s)["properties"]["aantal"].update(minimum=1))
    assert _changed(lambda s: _data(s)["properties"]["naam"].update(pattern="^[A-Z]"))
    tightened = _changed(lambda s: _data(s)["properties"]["id"].update(maxLength=36))
    assert any("strenger" in p for p in tightened), tightened


def test_closing_the_open_envelope_is_breaking():
    problems = _changed(lambda s: s.update(additionalProperties=False))
    assert any("gesloten" in p for p in problems), problems


def test_a_breaking_change_to_a_real_event_is_caught():
    schema = all_schemas()["be.dinet.lid.geregistreerd.v1"]
    changed = copy.deepcopy(schema)
    del changed["$defs"]["LidGeregistreerd"]["properties"]["nieuwsbrief"]
    changed["$defs"]["LidGeregistreerd"]["required"].remove("nieuwsbrief")
    assert any("data.nieuwsbrief" in p for p in check_compatible(schema, changed))


def test_the_generator_refuses_to_overwrite_a_published_schema_incompatibly(tmp_path: Path, capsys):
    from dinet_contracts.generate import main

    schemas = tmp_path / "contracts" / "schemas"
    schemas.mkdir(parents=True)
    published = all_schemas()["be.dinet.lid.geregistreerd.v1"]
    # As if v1 had been published with a field the current model no longer has.
    published["$defs"]["LidGeregistreerd"]["properties"]["gemeente"] = {"type": "string"}
    (schemas / "be.dinet.lid.geregistreerd.v1.json").write_text(json.dumps(published), encoding="utf-8")
    before = (schemas / "be.dinet.lid.geregistreerd.v1.json").read_text(encoding="utf-8")

    assert main(["--contracts", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "gemeente" in err and ".v2" in err
    assert (schemas / "be.dinet.lid.geregistreerd.v1.json").read_text(encoding="utf-8") == before


def test_the_generator_writes_then_finds_nothing_to_do(tmp_path: Path):
    from dinet_contracts.generate import main

    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    (tmp_path / "deploy" / "nats" / "streams.json").write_text("{}", encoding="utf-8")
    assert main(["--check", "--root", str(tmp_path)]) == 1


# --------------------------------------------------------------------------- examples


def _validator(event_type: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{event_type}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_example_is_valid_for_the_model_and_the_schema(event_type: str):
    body = (EXAMPLES / f"{event_type}.json").read_text(encoding="utf-8")
    event = parse(body)
    assert event.type == event_type
    assert isinstance(event.data, EVENT_TYPES[event_type])
    assert event.dataschema == f"urn:dinet:schema:{event_type}"
    errors = list(_validator(event_type).iter_errors(json.loads(body)))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_the_schema_rejects_what_the_model_rejects(event_type: str):
    example = json.loads((EXAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    validator = _validator(event_type)
    unknown_field = copy.deepcopy(example)
    unknown_field["data"]["onbekend"] = 1
    other_type = copy.deepcopy(example)
    other_type["type"] = "be.dinet.iets.anders.v1"
    missing = copy.deepcopy(example)
    del missing["data"][EVENT_TYPES[event_type].aggregate_field]
    for bad in (unknown_field, other_type, missing):
        assert list(validator.iter_errors(bad)), bad
        with pytest.raises((pydantic.ValidationError, UnknownEventType)):
            parse(bad)


# --------------------------------------------------------------------------- topology


def test_subject_matching_helpers():
    assert subject_within("dinet.pii.lid.*.contactgegevens.v1", "dinet.pii.>")
    assert not subject_within("dinet.pii.>", "dinet.pii.lid.*.contactgegevens.v1")
    assert not subject_within("dinet.evt.a", "dinet.evt.a.>")
    assert subject_within("a.b.c", "a.*.c") and not subject_within("a.*.c", "a.b.c")
    assert subjects_overlap("a.*.c", "a.b.>") and not subjects_overlap("a.b", "a.b.>")


def test_every_event_subject_is_in_exactly_one_stream():
    for event_type, cls in EVENT_TYPES.items():
        pattern = subject_pattern(cls.subject_template)
        assert len(streams_for(pattern)) == 1, f"{event_type}: {pattern} in {[s.name for s in streams_for(pattern)]}"
        stream_for(pattern)  # and wholly inside it


def test_streams_do_not_overlap():
    for a in STREAMS:
        for b in STREAMS:
            if a is not b:
                assert not any(subjects_overlap(x, y) for x in a.subjects for y in b.subjects), (a.name, b.name)


def test_consumer_filters_fall_in_their_stream():
    names = {s.name: s for s in STREAMS}
    for c in CONSUMERS:
        stream = names[c.stream]
        for f in c.filter_subjects:
            assert any(subject_within(f, p) for p in stream.subjects), (c.durable, f, stream.subjects)


def test_personal_data_travels_only_on_the_pii_stream():
    for event_type, cls in EVENT_TYPES.items():
        stream = stream_for(subject_pattern(cls.subject_template))
        if cls.contains_personal_data:
            assert stream is PERSOONSGEGEVENS, f"{event_type} bevat persoonsgegevens maar staat op {stream.name}"
            # one subject per member, so erasure can purge every copy
            assert "{" + cls.aggregate_field + "}" in cls.subject_template, event_type


def test_dlq_subjects_of_pii_stay_purgeable_per_member():
    from dinet_contracts.topology import dlq_subject

    for c in CONSUMERS:
        subject = dlq_subject(c.durable, "dinet.pii.lid.1234.contactgegevens.v1")
        assert subject_within(subject, f"dinet.dlq.{c.durable}.>")
        assert subject.endswith("dinet.pii.lid.1234.contactgegevens.v1")


def test_belgische_tijd_is_een_helper_voor_het_hele_platform():
    from datetime import UTC, date, datetime

    from dinet_contracts import tijd

    winter, zomer = datetime(2026, 1, 15, 9, 0, tzinfo=UTC), datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert (tijd.datum_tijd(winter), tijd.datum_tijd(zomer)) == ("15/01/2026 10:00", "01/07/2026 10:00")
    # A naive moment is UTC, as the database and the events keep it, never the server's zone.
    assert tijd.datum_tijd(datetime(2026, 7, 1, 8, 0)) == "01/07/2026 10:00"
    assert tijd.lokale_datum(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 1, 1)
    assert tijd.datum(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2026"
    assert tijd.datum(date(2025, 12, 31)) == "31/12/2025"
    assert tijd.iso(zomer) == "2026-07-01T10:00:00+02:00"
    assert tijd.vandaag(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == date(2026, 3, 29)
