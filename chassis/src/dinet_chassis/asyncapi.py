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
    PARTNER_HTTP_PATH,
    consumed_types,
    event_schema,
    publisher_of,
    stream_for,
    subject_parameters,
    subject_pattern,
)
from dinet_contracts.registry import EVENT_TYPES, PARTNER_EVENTS, PUBLISHED_BY
from dinet_contracts.topology import (
    DEADLETTERS,
    DLQ_PREFIX,
    PARTNER_PREFIX,
    PARTNERS,
    SERVICES,
    ConsumerDef,
    StreamDef,
    consumers_of,
    partner_subject_template,
)
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI

from .handlers import Handler, Handlers

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"

NATS_HEADERS = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {
            "type": "string",
            "description": "Gelijk aan de `id` van de CloudEvent: JetStream ontdubbelt hierop binnen het "
            "duplicate window, de inbox van elke consument daarna.",
        },
        "traceparent": {
            "type": "string",
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
            "description": "W3C Trace Context van het verzoek dat de gebeurtenis veroorzaakte "
            "(vastgelegd bij het schrijven in de outbox).",
        },
        "tracestate": {"type": "string", "description": "W3C Trace Context, leveranciersspecifiek deel."},
    },
    "required": ["Nats-Msg-Id"],
}

SERVER = {
    "host": "nats:4222",
    "protocol": "nats",
    "description": "NATS met JetStream (docker-compose); in de ingebedde modus 127.0.0.1:4222.",
}


def first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n\n")[0].replace("\n", " ")


def contracts_version() -> str:
    try:
        from importlib.metadata import version

        return version("dinet-contracts")
    except Exception:  # noqa: BLE001 (a source checkout without metadata still documents)
        return "0.0.0"


def stream_extension(stream: StreamDef) -> dict[str, Any]:
    """What JetStream keeps behind a channel (FastStream's NATS binding knows only the subject)."""
    return {
        "stream": stream.name,
        "streamSubjects": list(stream.subjects),
        "storage": "file",
        "retention": "limits",
        "maxAgeSeconds": stream.max_age_seconds,
        "duplicateWindowSeconds": stream.duplicate_window_seconds,
        "description": stream.description,
    }


def consumer_extension(consumer: ConsumerDef) -> dict[str, Any]:
    return {
        "durable": consumer.durable,
        "stream": consumer.stream,
        "filterSubjects": list(consumer.filter_subjects),
        "ackPolicy": "explicit",
        "deliverPolicy": "all",
        # Retries are the chassis's: it counts attempts, naks with these delays, then dead-letters.
        "maxAttempts": consumer.max_attempts,
        "backoffSeconds": list(consumer.backoff_seconds),
        "ackWaitSeconds": consumer.ack_wait_seconds,
        "deadLetterSubject": f"{DLQ_PREFIX}.{consumer.durable}.<oorspronkelijk subject>",
    }


def subject_parameter_docs(template: str) -> dict[str, Any]:
    """AsyncAPI parameters of an address with `{field}` placeholders: each is that event field."""
    return {
        p: {
            "description": f"Het veld `{p}` van de gebeurtenis; abonneer met `*` op deze plaats.",
            "location": f"$message.payload#/data/{p}",
        }
        for p in subject_parameters(template)
    }


def declare_publishers(broker: NatsBroker, service: str) -> None:
    """What the service publishes (through its outbox), for the specification."""
    for cls in PUBLISHED_BY.get(service, ()):
        broker.publisher(
            cls.subject_template,
            schema=CloudEvent[cls],  # type: ignore[valid-type]
            title=cls.event_type,
            description=first_line(cls.__doc__),
        )


def _message(cls: type[Event]) -> dict[str, Any]:
    event_type = cls.event_type
    message: dict[str, Any] = {
        "name": cls.__name__,
        "title": event_type,
        "summary": first_line(cls.__doc__),
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": "#/components/schemas/NatsHeaders"},
        "payload": event_schema(cls),
        "x-dinet": {
            "publishedBy": publisher_of(event_type),
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
        version=contracts_version(),
        description=(
            f"Wat de dienst {service} publiceert en consumeert op NATS JetStream. Kanalen en operaties komen uit"
            " FastStream (de echte subscribers en publishers van de dienst); schema's, streams, consumenten en"
            " voorbeelden uit dinet_contracts."
        ),
        schema_version="3.0.0",
    )
    doc: dict[str, Any] = spec.to_specification().to_jsonable()
    doc["defaultContentType"] = CONTENT_TYPE
    doc["servers"] = {"nats": dict(SERVER)}
    components = doc.setdefault("components", {})
    messages: dict[str, Any] = {}
    components["messages"] = messages
    components["schemas"] = {"NatsHeaders": NATS_HEADERS}
    for channel in doc.get("channels", {}).values():
        channel["servers"] = [{"$ref": "#/servers/nats"}]
        try:
            channel["x-jetstream"] = stream_extension(stream_for(subject_pattern(channel["address"])))
        except (KeyError, IndexError, ValueError):
            pass

    by_subject = {cls.subject_template: cls for cls in PUBLISHED_BY.get(service, ())}
    for cid, channel in doc.get("channels", {}).items():
        cls = by_subject.get(channel["address"])
        if cls is not None:  # a publisher: its message is the CloudEvent of its type
            messages[cls.event_type] = _message(cls)
            channel["messages"] = {cls.event_type: {"$ref": f"#/components/messages/{cls.event_type}"}}
            if subject_parameters(cls.subject_template):
                channel["parameters"] = subject_parameter_docs(cls.subject_template)
            # FastStream names the message of an untyped publisher `Message`; it is this CloudEvent.
            for operation in doc.get("operations", {}).values():
                if operation.get("channel") == {"$ref": f"#/channels/{cid}"} and operation.get("action") == "send":
                    operation["title"] = f"{service} publiceert {cls.__name__}"
                    operation["messages"] = [{"$ref": f"#/channels/{cid}/messages/{cls.event_type}"}]

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
        channel["x-jetstream"] = stream_extension(stream_for(subject_pattern(definition.filter_subjects[0])))
        operation["title"] = f"{service} ontvangt ({definition.durable})"
        operation["summary"] = definition.description
        operation["messages"] = [{"$ref": f"#/channels/{cid}/messages/{cls.event_type}"} for cls in read]
        operation["x-jetstream-consumer"] = consumer_extension(definition)
        if isinstance(table, Handlers):
            operation["x-handlers"] = {
                cls.event_type: getattr(table.op_for_type(cls), "__name__", "?") for cls in read
            }
            if Event in table.ops:
                operation["x-otherwise"] = getattr(table.ops[Event], "__name__", "?")
    for operation in doc.get("operations", {}).values():
        operation["x-service"] = service
        if operation.get("action") == "send":
            operation["summary"] = "Via de transactionele outbox: pas na de commit, met Nats-Msg-Id = id."
    return doc


# --------------------------------------------------------------------------- the whole bus

SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
SECURITY_SCHEMES = {
    "gebruikerPerDienst": {
        "type": "userPassword",
        "description": "Elke dienst heeft een eigen NATS-gebruiker die enkel mag publiceren en consumeren wat "
        "deze AsyncAPI hem toeschrijft (deploy/nats/permissions.json).",
    },
    "gebruikerPerPartner": {
        "type": "userPassword",
        "description": "Elke partnerorganisatie heeft een eigen NATS-gebruiker (aan te vragen bij VVSG) die alleen "
        f"mag publiceren op {PARTNER_PREFIX}.<organisatie-id>.> en niets mag lezen.",
    },
}


class Conflict(ValueError):
    """Two services describe the same channel, operation or message differently."""


def _union(into: dict[str, Any], part: Mapping[str, Any], what: str) -> None:
    for key, value in part.items():
        if key in into and into[key] != value:
            raise Conflict(f"{what} {key} verschilt tussen twee diensten")
        into[key] = value


def bus_asyncapi(service_docs: Mapping[str, Mapping[str, Any]], regenerate: str) -> dict[str, Any]:
    """One document for the whole bus: the union of the services' own documents (FastStream's
    channels and operations, already enriched per service) plus what no service's broker holds:
    the partners' side of DINET_PARTNERS, the dead letters and who may connect.

    Message payloads point at the published JSON Schemas beside the document instead of repeating
    them; they must be those schemas, or the document would describe another contract."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for service, doc in sorted(service_docs.items()):
        _union(channels, doc.get("channels", {}), "kanaal")
        _union(operations, doc.get("operations", {}), "operatie")
        _union(messages, doc.get("components", {}).get("messages", {}), "bericht")
    for event_type, message in messages.items():
        if message["payload"] != event_schema(EVENT_TYPES[event_type]):
            raise Conflict(f"bericht {event_type}: payload is niet het gepubliceerde schema")
        message["payload"] = {"schemaFormat": SCHEMA_FORMAT, "schema": {"$ref": f"schemas/{event_type}.json"}}
    _partner_side(channels, operations, messages)
    channels[_DLQ_CHANNEL] = _deadletter_channel(operations)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Netwerk digitale inclusie: gebeurtenissen",
            "version": contracts_version(),
            "description": f"De gebeurtenissen die de diensten {', '.join(SERVICES[:-1])} en {SERVICES[-1]} "
            "uitwisselen over NATS JetStream, en de activiteiten die partnerorganisaties zelf publiceren op "
            f"{PARTNER_PREFIX}.<organisatie-id>.…. Kanalen en operaties van de diensten komen uit FastStream "
            "(hun echte subscribers en publishers), schema's, streams, consumenten, voorbeelden en de kant van "
            f"de partners uit dinet_contracts. Niet met de hand bewerken, maar `{regenerate}` draaien.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "nats": {
                **SERVER,
                "security": [{"$ref": f"#/components/securitySchemes/{name}"} for name in SECURITY_SCHEMES],
            }
        },
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {
            "messages": dict(sorted(messages.items())),
            "schemas": {"NatsHeaders": NATS_HEADERS},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _partner_side(channels: dict[str, Any], operations: dict[str, Any], messages: dict[str, Any]) -> None:
    """What partner organisations publish themselves (no service's broker publishes it): one
    channel per type they may publish, on their own organisation's subject."""
    for cls in PARTNER_EVENTS:
        event_type = cls.event_type
        template = partner_subject_template(event_type)
        cid = template.replace("{", "").replace("}", "")
        if event_type not in messages:
            raise Conflict(f"{event_type}: partners mogen het publiceren, maar geen dienst leest het")
        channels[cid] = {
            "address": template,
            "title": f"Partners publiceren {cls.__name__}",
            "description": "Een partnerorganisatie publiceert hier haar eigen activiteiten, met haar eigen "
            f"NATS-gebruiker of via HTTP ({PARTNER_HTTP_PATH}, dat op hetzelfde subject publiceert). Een dienst "
            "controleert ze en neemt ze over als eigen gebeurtenis op de dinet.evt-subjects. Wat geweigerd wordt "
            "(ongeldig, voor een andere organisatie, een activiteit van een ander) gaat meteen naar de dode "
            "brieven, met de reden.",
            "servers": [{"$ref": "#/servers/nats"}],
            "messages": {event_type: {"$ref": f"#/components/messages/{event_type}"}},
            "parameters": {
                "organisatie_id": {
                    "description": "Het id van de eigen organisatie; gelijk aan data.activiteit.organisator_id. "
                    "De NATS-gebruiker van een partner mag op geen ander id publiceren.",
                    "location": "$message.payload#/data/activiteit/organisator_id",
                }
            },
            "x-jetstream": stream_extension(PARTNERS),
        }
        operations[f"partner.send.{event_type}"] = {
            "action": "send",
            "title": f"Een partnerorganisatie publiceert {cls.__name__}",
            "summary": "Met Nats-Msg-Id = id: een herhaling telt maar één keer.",
            "channel": {"$ref": f"#/channels/{cid}"},
            "messages": [{"$ref": f"#/channels/{cid}/messages/{event_type}"}],
            "security": [{"$ref": "#/components/securitySchemes/gebruikerPerPartner"}],
            "x-service": "partner",
        }


_DLQ_CHANNEL = f"{DLQ_PREFIX}.durable.subject"


def _deadletter_channel(operations: Mapping[str, Any]) -> dict[str, Any]:
    # The chassis dead-letters with a bare publish, not through a FastStream publisher.
    durables = sorted(
        op["x-jetstream-consumer"]["durable"] for op in operations.values() if "x-jetstream-consumer" in op
    )
    return {
        "address": f"{DLQ_PREFIX}.{{durable}}.{{subject}}",
        "title": "Dode brieven",
        "description": "Berichten die een consument niet kon verwerken, met reden, origineel en headers; het "
        "oorspronkelijke subject blijft achteraan staan zodat wissen per lid ook hier werkt.",
        "servers": [{"$ref": "#/servers/nats"}],
        "parameters": {
            "durable": {"description": "De duurzame consument die opgaf.", "enum": durables},
            "subject": {"description": "Het oorspronkelijke subject (meerdere tokens)."},
        },
        "x-jetstream": stream_extension(DEADLETTERS),
    }


def asyncapi_html(doc: dict[str, Any], service: str) -> str:
    """FastStream's AsyncAPI page (it needs JavaScript: developer documentation, not a people's page)."""
    from faststream.specification.asyncapi.site import get_asyncapi_html

    class _Document:
        title = service

        def to_json(self) -> str:
            return json.dumps(doc)

    html = get_asyncapi_html(_Document(), try_it_out_path=None)  # type: ignore[arg-type]
    return html.replace("<html>", '<html lang="en">', 1)
