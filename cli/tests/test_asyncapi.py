"""`contracts/asyncapi.yaml` is what the services' FastStream brokers say, joined by
`dinet asyncapi`: checked in unchanged, valid AsyncAPI 3.0, with the partners' side and every
publisher and consumer of the topology. No servers: the documents come from the brokers'
declarations."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from dinet_chassis.asyncapi import Conflict, bus_asyncapi
from dinet_cli.asyncapi import PATH, REGENERATE, main, rendered, service_document
from dinet_contracts import EVENT_TYPES
from dinet_contracts.generate import PARTNER_HTTP_PATH, all_schemas, repo_root, subject_within
from dinet_contracts.registry import PARTNER_EVENTS, PUBLISHED_BY
from dinet_contracts.topology import CONSUMERS, PARTNERS, PERSOONSGEGEVENS, consumer, partner_subject

ROOT = repo_root()
# The official AsyncAPI 3.0.0 JSON Schema (asyncapi/spec-json-schemas, schemas/3.0.0-without-$id.json,
# Apache-2.0), vendored with the contracts: no package on PyPI validates AsyncAPI 3 documents.
ASYNCAPI_SCHEMA = ROOT / "contracts" / "tests" / "vendor" / "asyncapi-3.0.0.json"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return yaml.safe_load(rendered())


def _resolve(doc: dict, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_the_checked_in_document_is_what_the_services_generate():
    checked_in = (ROOT / PATH).read_text(encoding="utf-8")
    assert checked_in == rendered(), f"verouderd: {PATH}; genereer opnieuw met `{REGENERATE}` en check het in"


def test_the_command_writes_then_finds_nothing_to_do(tmp_path: Path, capsys):
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert REGENERATE in capsys.readouterr().err
    assert main(["--root", str(tmp_path)]) == 0
    assert (tmp_path / PATH).read_text(encoding="utf-8") == rendered()
    assert main(["--check", "--root", str(tmp_path)]) == 0
    (tmp_path / PATH).write_text(rendered().replace("kpi-projectie", "kpi-anders"), encoding="utf-8")
    assert main(["--check", "--root", str(tmp_path)]) == 1


def test_the_document_is_valid_against_the_official_asyncapi_3_schema(doc):
    schema = json.loads(ASYNCAPI_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    fouten = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(doc)]
    assert not fouten, fouten
    # The check has teeth: a 2.x-style action and a channel without its required shape are refused.
    kapot = copy.deepcopy(doc)
    kapot["operations"]["partner.send.be.dinet.activiteit.gepland.v1"]["action"] = "publish"
    assert list(validator.iter_errors(kapot))
    kapot = copy.deepcopy(doc)
    kapot["channels"]["dinet.partner.organisatie_id.activiteit.gepland.v1"]["address"] = 42
    assert list(validator.iter_errors(kapot))


def test_references_resolve_and_payloads_are_the_published_schemas(doc):
    assert doc["asyncapi"] == "3.0.0"
    assert doc["defaultContentType"] == "application/cloudevents+json"
    assert set(doc["components"]["messages"]) == set(EVENT_TYPES)
    refs = 0

    def walk(node):
        nonlocal refs
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    refs += 1
                    if v.startswith("#/"):
                        _resolve(doc, v)
                    else:
                        assert (ROOT / "contracts" / v).exists(), v
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert refs > 100
    for event_type, message in doc["components"]["messages"].items():
        headers = _resolve(doc, message["headers"]["$ref"])
        assert {"Nats-Msg-Id", "traceparent"} <= set(headers["properties"])
        assert message["payload"]["schema"]["$ref"] == f"schemas/{event_type}.json"
        assert message["examples"][0]["payload"]["type"] == event_type


def test_operations_are_the_services_publishers_and_consumers(doc):
    sends = {
        (op["x-service"], op["messages"][0]["$ref"].rsplit("/", 1)[1])
        for op in doc["operations"].values()
        if op["action"] == "send"
    }
    assert sends == {(svc, cls.event_type) for svc, classes in PUBLISHED_BY.items() for cls in classes} | {
        ("partner", cls.event_type) for cls in PARTNER_EVENTS
    }
    receives = {op["x-jetstream-consumer"]["durable"]: op for op in doc["operations"].values() if op["action"] == "receive"}
    assert set(receives) == {c.durable for c in CONSUMERS}
    for durable, op in receives.items():
        definition = consumer(durable)
        assert op["x-service"] == definition.service
        assert op["x-jetstream-consumer"]["maxAttempts"] == definition.max_attempts
        assert _resolve(doc, op["channel"]["$ref"])["address"] in definition.filter_subjects
    kpi = {m["$ref"].rsplit("/", 1)[1] for m in receives["kpi-projectie"]["messages"]}
    assert "be.dinet.lid.geregistreerd.v1" in kpi
    assert receives["kpi-projectie"]["x-handlers"]["be.dinet.lid.geregistreerd.v1"] == "op_lid_geregistreerd"
    contact = {m["$ref"].rsplit("/", 1)[1] for m in receives["meldingen-contact"]["messages"]}
    assert contact == {"be.dinet.lid.contactgegevens.v1"}
    pii = doc["channels"]["be.dinet.lid.contactgegevens.v1"]
    assert pii["address"] == "dinet.pii.lid.{lid_id}.contactgegevens.v1"
    assert set(pii["parameters"]) == {"lid_id"}
    assert pii["x-jetstream"]["stream"] == PERSOONSGEGEVENS.name
    dlq = doc["channels"]["dinet.dlq.durable.subject"]
    assert dlq["parameters"]["durable"]["enum"] == sorted(c.durable for c in CONSUMERS)


def test_the_document_has_the_partner_channel_of_every_type_partners_publish(doc):
    ingest = consumer("registratie-partners")
    partner_types = {cls.event_type for cls in PARTNER_EVENTS}
    assert partner_types == {t for t in EVENT_TYPES if t.startswith("be.dinet.activiteit.")}
    ontvangen = next(op for op in doc["operations"].values() if op.get("x-jetstream-consumer", {}).get("durable") == ingest.durable)
    leest = {m["$ref"].rsplit("/", 1)[1] for m in ontvangen["messages"]}
    gevonden = set()
    for cid, channel in doc["channels"].items():
        if not channel["address"].startswith("dinet.partner.{"):
            continue
        (event_type,) = channel["messages"]
        gevonden.add(event_type)
        # What the partner guide and the HTTP gateway use, and what the stream and consumer read.
        assert channel["address"].format(organisatie_id="ORG") == partner_subject("ORG", event_type)
        assert channel["address"] == f"dinet.partner.{{organisatie_id}}.{event_type.removeprefix('be.dinet.')}"
        concreet = partner_subject("3f1c2a9e-5b7d-4e8f-9a10-2b3c4d5e6f70", event_type)
        assert any(subject_within(concreet, p) for p in PARTNERS.subjects)
        assert any(subject_within(concreet, f) for f in ingest.filter_subjects)
        assert channel["x-jetstream"]["stream"] == PARTNERS.name
        assert set(channel["parameters"]) == {"organisatie_id"}
        assert channel["messages"][event_type] == {"$ref": f"#/components/messages/{event_type}"}
        (send,) = [op for op in doc["operations"].values() if op["channel"] == {"$ref": f"#/channels/{cid}"}]
        assert send["action"] == "send" and send["x-service"] == "partner"
        assert send["security"] == [{"$ref": "#/components/securitySchemes/gebruikerPerPartner"}]
        # The real subscriber that takes them in reads this very message.
        assert event_type in leest
        # The HTTP way in that the channel names is the one registratie serves.
        assert PARTNER_HTTP_PATH in channel["description"]
    assert gevonden == partner_types
    from registratie.toegang.web.publiceren import PAD

    assert PAD == PARTNER_HTTP_PATH


# --------------------------------------------------------------------------- joining, with fakes


def _fake(service: str, event_type: str, payload: dict) -> dict:
    return {
        "channels": {event_type: {"address": "dinet.evt.x", "messages": {}}},
        "operations": {event_type: {"action": "send", "x-service": service}},
        "components": {"messages": {event_type: {"payload": payload}}},
    }


def test_joining_refuses_two_services_describing_one_channel_differently():
    event_type = "be.dinet.lid.geregistreerd.v1"
    schema = all_schemas()[event_type]
    with pytest.raises(Conflict, match="operatie"):
        bus_asyncapi({"a": _fake("a", event_type, schema), "b": _fake("b", event_type, schema)}, REGENERATE)


def test_joining_refuses_a_payload_that_is_not_the_published_schema():
    event_type = "be.dinet.lid.geregistreerd.v1"
    other = copy.deepcopy(all_schemas()[event_type])
    other["properties"]["type"]["const"] = "be.dinet.iets.anders.v1"
    with pytest.raises(Conflict, match="gepubliceerde schema"):
        bus_asyncapi({"a": _fake("a", event_type, other)}, REGENERATE)


def test_a_service_document_is_its_served_document():
    # The same function as /kpi/asyncapi.json; the served one is tested in the kpi service.
    doc = service_document("kpi")
    assert doc["operations"]["kpi-projectie"]["x-service"] == "kpi"
    assert doc["components"]["messages"]["be.dinet.kpi.doel_gewijzigd.v1"]["payload"] == all_schemas()["be.dinet.kpi.doel_gewijzigd.v1"]
