"""Every service's own AsyncAPI document (what it serves at /<service>/asyncapi.json: FastStream's
view of its real broker, enriched from the contracts) is whole, and is the part of the checked-in
`contracts/asyncapi.yaml` that belongs to it. No servers."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from dinet_cli.asyncapi import PATH, service_document
from dinet_contracts.generate import repo_root
from dinet_contracts.topology import SERVICES

ROOT = repo_root()


@pytest.fixture(scope="module")
def contract() -> dict:
    return yaml.safe_load((ROOT / PATH).read_text(encoding="utf-8"))


def _refs(node: Any) -> list[str]:
    """The document's own references; a payload's `$ref`s point into that JSON Schema (its `$defs`)."""
    if isinstance(node, dict):
        inner = [r for k, v in node.items() if k not in ("$ref", "payload") for r in _refs(v)]
        return [v for k, v in node.items() if k == "$ref"] + inner
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolves(doc: dict, ref: str) -> bool:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@pytest.mark.parametrize("service", SERVICES)
def test_service_document_is_whole_and_is_its_part_of_the_contracts(service, contract):
    doc = service_document(service)
    dangling = [r for r in _refs(doc) if not _resolves(doc, r)]
    assert not dangling, f"{service}: verwijzingen zonder doel: {dangling}"

    assert doc["operations"], service
    for op_id, op in doc["operations"].items():
        assert op["x-service"] == service
        assert contract["operations"][op_id] == op, op_id
        cid = op["channel"]["$ref"].rsplit("/", 1)[1]
        assert contract["channels"][cid] == doc["channels"][cid], cid
    for event_type, message in doc["components"]["messages"].items():
        theirs = contract["components"]["messages"][event_type]
        assert {k: v for k, v in message.items() if k != "payload"} == {k: v for k, v in theirs.items() if k != "payload"}
        assert theirs["payload"]["schema"] == {"$ref": f"schemas/{event_type}.json"}
