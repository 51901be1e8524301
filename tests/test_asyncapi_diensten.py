"""Every service's AsyncAPI document (FastStream's view of its real broker) agrees with the
contracts' document: the same subjects, consumers, retries and message schemas. No servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from dinet_chassis.runtime import Runtime
from dinet_chassis.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _services():
    from beleidsplan.main import DEFINITION as beleidsplan
    from kpi.main import DEFINITION as kpi
    from meldingen.main import DEFINITION as meldingen
    from registratie.main import DEFINITION as registratie

    return [registratie, kpi, meldingen, beleidsplan]


@pytest.fixture(scope="module")
def contract() -> dict:
    return yaml.safe_load((ROOT / "contracts" / "asyncapi.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("definition", _services(), ids=lambda d: d.name)
def test_service_asyncapi_agrees_with_the_contracts(definition, contract):
    settings = Settings(service=definition.name, database_url="postgresql+asyncpg://niemand@127.0.0.1/geen", secret_key="s" * 40)
    doc = Runtime(definition, settings).asyncapi()
    ops = contract["operations"]

    sent = {op["x-service"] and op["channel"]["$ref"] for op in ops.values() if op["action"] == "send" and op.get("x-service") == definition.name}
    contract_addresses = {contract["channels"][ref.rsplit("/", 1)[1]]["address"] for ref in sent}
    ours = {doc["channels"][op["channel"]["$ref"].rsplit("/", 1)[1]]["address"] for op in doc["operations"].values() if op["action"] == "send"}
    assert ours == contract_addresses

    for event_type, message in doc["components"]["messages"].items():
        published = json.loads((ROOT / "contracts" / "schemas" / f"{event_type}.json").read_text(encoding="utf-8"))
        assert message["payload"] == published, event_type

    for op_id, op in doc["operations"].items():
        if op["action"] != "receive":
            continue
        theirs = [o for o in ops.values() if o.get("x-jetstream-consumer", {}).get("durable") == op_id]
        assert theirs, f"{op_id} is no consumer in the contracts"
        assert op["x-jetstream-consumer"] == theirs[0]["x-jetstream-consumer"]
        received = {o["messages"][0]["$ref"].rsplit("/", 1)[1] for o in theirs}
        messages = {m["$ref"].rsplit("/", 1)[1] for m in op["messages"]}
        assert messages and messages <= received, f"{op_id} reads types the contracts do not route to it"
        assert set(op.get("x-handlers", messages)) == messages
