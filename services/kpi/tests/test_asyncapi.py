"""kpi's AsyncAPI document: FastStream's description of its real subscriber and publishers,
with the contracts' schemas, stream and consumer settings and handler table added."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from dinet_contracts.topology import consumer

SCHEMAS = Path(__file__).resolve().parents[3] / "contracts" / "schemas"
# The official AsyncAPI 3.0.0 JSON Schema, vendored for the contracts' own document.
ASYNCAPI_SCHEMA = Path(__file__).resolve().parents[3] / "contracts" / "tests" / "vendor" / "asyncapi-3.0.0.json"


async def test_asyncapi_describes_the_consumer_its_handlers_and_what_kpi_publishes(dienst):
    runtime, client, bus = dienst
    response = await client.get("/kpi/asyncapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["asyncapi"] == "3.0.0"
    validator = jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text(encoding="utf-8")))
    assert [e.message[:200] for e in validator.iter_errors(doc)] == []

    ontvang = doc["operations"]["kpi-projectie"]
    assert ontvang["action"] == "receive"
    definitie = consumer("kpi-projectie")
    assert ontvang["x-jetstream-consumer"]["durable"] == "kpi-projectie"
    assert ontvang["x-jetstream-consumer"]["maxAttempts"] == definitie.max_attempts
    assert ontvang["x-handlers"]["be.dinet.lid.geregistreerd.v1"] == "op_lid_geregistreerd"
    # A v2 type reaches the op of its v1 key; a type without an op is no message of this consumer.
    assert ontvang["x-handlers"]["be.dinet.activiteit.gepland.v2"] == "op_activiteit"
    assert "be.dinet.inschrijving.gewijzigd.v1" not in ontvang["x-handlers"]
    kanaal = doc["channels"]["kpi-projectie"]
    assert kanaal["address"] == "dinet.evt.>" and kanaal["x-jetstream"]["stream"] == "DINET_EVENTS"
    assert set(kanaal["messages"]) == set(ontvang["x-handlers"])

    verstuurd = {op["channel"]["$ref"].rsplit("/", 1)[1] for op in doc["operations"].values() if op["action"] == "send"}
    assert "be.dinet.kpi.doel_gewijzigd.v1" in verstuurd
    bericht = doc["components"]["messages"]["be.dinet.kpi.doel_gewijzigd.v1"]
    # The payload is the contract's schema, the one the compatibility check guards.
    assert bericht["payload"] == json.loads((SCHEMAS / "be.dinet.kpi.doel_gewijzigd.v1.json").read_text())

    pagina = await client.get("/kpi/asyncapi")
    assert pagina.status_code == 200 and pagina.headers["content-type"].startswith("text/html")
    assert "AsyncApiStandalone" in pagina.text or "asyncapi" in pagina.text.lower()
