"""Each service's AsyncAPI 3.0 document, from FastStream's specification of its real broker.

FastStream describes what it knows: the service's subscribers (the same ones that consume, with
their durable, subject and description) and its publishers (one per event type the service
publishes, declared here on the broker; the outbox relay publishes them). The contracts add what
FastStream cannot know: the CloudEvent schema of each message, which event types a consumer's
handler table reads (its messages, instead of FastStream's untyped batch), the JetStream stream
behind every channel, the durable consumer's retries and dead letters, and examples.

Served at `/<service>/asyncapi.json`, with a readable view at `/<service>/asyncapi`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from dinet_contracts import CloudEvent
from dinet_contracts.envelope import CONTENT_TYPE, SCHEMA_BASE, Event
from dinet_contracts.generate import (
    _NATS_HEADERS,
    _consumer_extension,
    _contracts_version,
    _first_line,
    _stream_extension,
    consumed_types,
    event_schema,
    stream_for,
    subject_pattern,
)
from dinet_contracts.registry import EVENT_TYPES, PARTNER_EVENTS, PUBLISHED_BY
from dinet_contracts.topology import consumers_of
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI

from .handlers import Handler, Handlers

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"


def declare_publishers(broker: NatsBroker, service: str) -> None:
    """What the service publishes (through its outbox), for the specification."""
    for cls in PUBLISHED_BY.get(service, ()):
        broker.publisher(
            cls.subject_template,
            schema=CloudEvent[cls],  # type: ignore[valid-type]
            title=cls.event_type,
            description=_first_line(cls.__doc__),
        )


def _message(cls: type[Event]) -> dict[str, Any]:
    event_type = cls.event_type
    message: dict[str, Any] = {
        "name": cls.__name__,
        "title": event_type,
        "summary": _first_line(cls.__doc__),
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": "#/components/schemas/NatsHeaders"},
        "payload": event_schema(cls),
        "x-dinet": {
            "partnersMayPublish": cls in PARTNER_EVENTS,
            "containsPersonalData": cls.contains_personal_data,
            "aggregateField": cls.aggregate_field,
            "dataschema": SCHEMA_BASE + event_type,
        },
    }
    example = EXAMPLES / f"{event_type}.json"
    if example.exists():
        body = json.loads(example.read_text(encoding="utf-8"))
        message["examples"] = [{"name": "voorbeeld", "headers": {"Nats-Msg-Id": body["id"]}, "payload": body}]
    return message


def _handled_types(handler: Handler | None) -> list[type[Event]]:
    """The event types a consumer's table has an op for. A catch-all key (`Event`) that refuses
    every other type is not a message the consumer reads: it is shown as `x-otherwise`."""
    if not isinstance(handler, Handlers):
        return []
    keys = [k for k in handler.ops if k is not Event]
    return sorted(
        (cls for cls in EVENT_TYPES.values() if any(issubclass(cls, k) for k in keys)), key=lambda c: c.event_type
    )


def service_asyncapi(broker: NatsBroker, service: str, handlers: Mapping[str, Handler]) -> dict[str, Any]:
    spec = AsyncAPI(
        broker,
        title=f"DINET {service}: gebeurtenissen",
        version=_contracts_version(),
        description=(
            f"Wat de dienst {service} publiceert en consumeert op NATS JetStream. Kanalen en operaties komen uit"
            " FastStream (de echte subscribers en publishers van de dienst); schema's, streams, consumenten en"
            " voorbeelden uit dinet_contracts."
        ),
        schema_version="3.0.0",
    )
    doc: dict[str, Any] = spec.to_specification().to_jsonable()
    doc["defaultContentType"] = CONTENT_TYPE
    doc["servers"] = {
        "nats": {
            "host": "nats:4222",
            "protocol": "nats",
            "description": "NATS met JetStream (docker-compose); in de ingebedde modus 127.0.0.1:4222.",
        }
    }
    components = doc.setdefault("components", {})
    messages: dict[str, Any] = {}
    components["messages"] = messages
    components["schemas"] = {"NatsHeaders": _NATS_HEADERS}
    for channel in doc.get("channels", {}).values():
        channel["servers"] = [{"$ref": "#/servers/nats"}]
        try:
            channel["x-jetstream"] = _stream_extension(stream_for(subject_pattern(channel["address"])))
        except (KeyError, IndexError, ValueError):
            pass

    by_subject = {cls.subject_template: cls for cls in PUBLISHED_BY.get(service, ())}
    for cid, channel in doc.get("channels", {}).items():
        cls = by_subject.get(channel["address"])
        if cls is not None:  # a publisher: its message is the CloudEvent of its type
            messages[cls.event_type] = _message(cls)
            channel["messages"] = {cls.event_type: {"$ref": f"#/components/messages/{cls.event_type}"}}

    for definition in consumers_of(service):
        cid = definition.durable
        channel = doc.get("channels", {}).get(cid)
        operation = doc.get("operations", {}).get(cid)
        if channel is None or operation is None:
            continue
        table = handlers.get(cid)
        # A consumer given as one function (no table) reads what its subjects carry.
        read = (
            _handled_types(table)
            if isinstance(table, Handlers)
            else [EVENT_TYPES[t] for t in consumed_types(definition)]
        )
        for cls in read:
            messages.setdefault(cls.event_type, _message(cls))
        channel["messages"] = {cls.event_type: {"$ref": f"#/components/messages/{cls.event_type}"} for cls in read}
        channel["x-jetstream"] = _stream_extension(stream_for(subject_pattern(definition.filter_subjects[0])))
        operation["title"] = f"{service} ontvangt ({definition.durable})"
        operation["summary"] = definition.description
        operation["messages"] = [{"$ref": f"#/channels/{cid}/messages/{cls.event_type}"} for cls in read]
        operation["x-jetstream-consumer"] = _consumer_extension(definition)
        if isinstance(table, Handlers):
            operation["x-handlers"] = {
                cls.event_type: getattr(table.op_for_type(cls), "__name__", "?") for cls in read
            }
            if Event in table.ops:
                operation["x-otherwise"] = getattr(table.ops[Event], "__name__", "?")
    for operation in doc.get("operations", {}).values():
        if operation.get("action") == "send":
            operation["summary"] = "Via de transactionele outbox: pas na de commit, met Nats-Msg-Id = id."
    return doc


def asyncapi_html(doc: dict[str, Any], service: str) -> str:
    """FastStream's AsyncAPI page (it needs JavaScript: developer documentation, not a people's page)."""
    from faststream.specification.asyncapi.site import get_asyncapi_html

    class _Document:
        title = service

        def to_json(self) -> str:
            return json.dumps(doc)

    html = get_asyncapi_html(_Document(), try_it_out_path=None)  # type: ignore[arg-type]
    return html.replace("<html>", '<html lang="en">', 1)
