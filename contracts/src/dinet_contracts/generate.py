"""Generate the checked-in artefacts that describe the bus, from the models and the topology.

    python -m dinet_contracts.generate            # write everything
    python -m dinet_contracts.generate --check    # exit 1 when a checked-in file drifted
    python -m dinet_contracts.generate --deploy   # only deploy/nats (streams, server config, permissions)
    python -m dinet_contracts.generate --contracts  # only contracts/schemas

Contracts: one JSON Schema per event type (the whole CloudEvent with its typed `data`) in
`contracts/schemas/<type>.json`. The AsyncAPI document `contracts/asyncapi.yaml` is not made
here: it is FastStream's description of the services' real subscribers and publishers, which
only a package above the services may gather (`dinet asyncapi`).
Deploy: `deploy/nats/streams.json`, `deploy/nats/nats-server.conf` and
`deploy/nats/permissions.json`: the per-service permissions follow from who publishes what
(`PUBLISHED_BY`) and who consumes what (`CONSUMERS`); `dinet_chassis.natsauth` signs them into
each service's NATS user. `deploy/nats/cluster/` is the same server as three nodes of one
cluster, every stream at three replicas.

A published schema is a promise: the generator refuses to overwrite a schema file with one that
`check_compatible` rejects; the way out is a new type (`….v2`) beside the old one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .envelope import SCHEMA_BASE, CloudEvent, Event
from .registry import EVENT_TYPES, PUBLISHED_BY
from .types import RFC3339_PATTERN, UREN_PATTERN
from .topology import (
    PERSOONSGEGEVENS,
    PARTNER_PREFIX,
    CONSUMERS,
    DEADLETTERS,
    DLQ_PREFIX,
    SERVICES,
    STREAMS,
    ConsumerDef,
    StreamDef,
    consumers_of,
    streams_of,
)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
REGENERATE = "uv run python -m dinet_contracts.generate"
NANOS = 1_000_000_000


# --------------------------------------------------------------------------- subjects


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def subject_parameters(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def subject_pattern(template: str) -> str:
    """A subject template as a NATS subject pattern: every `{field}` becomes one `*` token."""
    return _PLACEHOLDER.sub("*", template)


def subject_within(subject: str, pattern: str) -> bool:
    """Whether every subject that `subject` (itself possibly a pattern) matches is matched by `pattern`."""
    sub, pat = subject.split("."), pattern.split(".")
    for i, p in enumerate(pat):
        if p == ">":
            return len(sub) > i
        if i >= len(sub):
            return False
        s = sub[i]
        if s == ">":
            return False
        if p != "*" and (s == "*" or s != p):
            return False
    return len(sub) == len(pat)


def subjects_overlap(a: str, b: str) -> bool:
    """Whether some concrete subject is matched by both patterns."""
    ta, tb = a.split("."), b.split(".")
    for i in range(max(len(ta), len(tb))):
        x = ta[i] if i < len(ta) else None
        y = tb[i] if i < len(tb) else None
        if x == ">" or y == ">":
            return x is not None and y is not None
        if x is None or y is None:
            return False
        if x != y and "*" not in (x, y):
            return False
    return True


def streams_for(subject: str) -> list[StreamDef]:
    """The streams that store messages published on `subject` (a pattern): exactly one, normally."""
    return [s for s in STREAMS if any(subjects_overlap(subject, p) for p in s.subjects)]


def stream_for(subject: str) -> StreamDef:
    found = [s for s in STREAMS if any(subject_within(subject, p) for p in s.subjects)]
    if len(found) != 1:
        raise ValueError(f"subject {subject} valt in {len(found)} streams, verwacht precies één")
    return found[0]


def consumed_types(consumer: ConsumerDef) -> list[str]:
    """The event types whose subjects a consumer's filters reach."""
    return [
        t
        for t, cls in EVENT_TYPES.items()
        if any(subjects_overlap(subject_pattern(cls.subject_template), f) for f in consumer.filter_subjects)
    ]


def publisher_of(event_type: str) -> str:
    for service, classes in PUBLISHED_BY.items():
        if any(c.event_type == event_type for c in classes):
            return service
    raise KeyError(event_type)


# --------------------------------------------------------------------------- JSON Schema


def event_schema(cls: type[Event]) -> dict[str, Any]:
    """The JSON Schema of a whole CloudEvent carrying `cls` as its data (what consumers accept)."""
    schema = CloudEvent[cls].model_json_schema()  # type: ignore[valid-type]
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = SCHEMA_BASE + cls.event_type
    schema["title"] = cls.event_type
    schema["description"] = (
        f"CloudEvents 1.0-envelop (structured mode) met als data een {cls.__name__}. "
        f"Subject op NATS: {cls.subject_template}."
    )
    # `parse` picks the model by `type`, so a message of this schema carries exactly this type.
    schema["properties"]["type"] = {**schema["properties"]["type"], "const": cls.event_type}
    return schema


def all_schemas() -> dict[str, dict[str, Any]]:
    return {t: event_schema(cls) for t, cls in sorted(EVENT_TYPES.items())}


def render_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- compatibility

# Keywords that document but do not constrain: changing them never breaks anybody.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "$schema", "$id"}
)
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "minContains")
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties", "maxContains")
_HANDLED = frozenset(
    {
        "$ref", "$defs", "anyOf", "oneOf", "type", "const", "enum", "format", "pattern", "multipleOf",
        "properties", "required", "additionalProperties", "items",
        *_LOWER_BOUNDS, *_UPPER_BOUNDS,
    }
)  # fmt: skip

# Both directions matter: the streams keep old messages that upgraded readers replay
# (projections are rebuilt from history), and every Event forbids unknown fields, so a consumer
# still on the published version rejects any message the new version adds something to.
OLD_UNREADABLE = "berichten die al op de bus staan, zijn dan ongeldig"
NEW_REJECTED = "consumenten met de gepubliceerde versie weigeren dan nieuwe berichten"


def check_compatible(old_schema: Mapping[str, Any], new_schema: Mapping[str, Any]) -> list[str]:
    """Why `new_schema` cannot replace the published `old_schema` under the same type; [] if it can.

    Breaking: removing a property, adding a required one (or one to a closed object), making an
    optional property required, changing a type, format, const or enum, tightening or loosening
    a bound, closing an open object. Titles, descriptions and defaults may change freely.
    """
    return _Comparison(old_schema, new_schema).compare(old_schema, new_schema, "")


@dataclass
class _Comparison:
    old_doc: Mapping[str, Any]
    new_doc: Mapping[str, Any]

    def __post_init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()

    def compare(self, old: Any, new: Any, path: str) -> list[str]:
        refs = (old.get("$ref"), new.get("$ref")) if isinstance(old, Mapping) and isinstance(new, Mapping) else None
        if refs and refs[0] and refs[1]:
            if refs in self._seen:  # recursive (or shared) definitions: compared once
                return []
            self._seen.add(refs)
        old, new = _resolve(self.old_doc, old), _resolve(self.new_doc, new)
        where = path or "(bericht)"
        old_branches, new_branches = _branches(self.old_doc, old), _branches(self.new_doc, new)
        problems: list[str] = []
        for kind in sorted(old_branches.keys() - new_branches.keys()):
            problems.append(f"{where}: type {kind} wordt niet meer aanvaard; {OLD_UNREADABLE}")
        for kind in sorted(new_branches.keys() - old_branches.keys()):
            problems.append(f"{where}: type {kind} is nieuw; {NEW_REJECTED}")
        for kind in sorted(old_branches.keys() & new_branches.keys()):
            problems += self._compare_branch(old_branches[kind], new_branches[kind], where, path)
        return problems

    def _compare_branch(self, old: Mapping[str, Any], new: Mapping[str, Any], where: str, path: str) -> list[str]:
        problems: list[str] = []
        if old.get("format") != new.get("format"):
            problems.append(f"{where}: format {old.get('format')!r} wordt {new.get('format')!r}")
        for key in ("pattern", "multipleOf"):
            if key == "pattern" and _spells_out_rfc3339(old, new):
                continue
            if old.get(key) != new.get(key):
                problems.append(f"{where}: {key} {old.get(key)!r} wordt {new.get(key)!r}")
        problems += _compare_values(old, new, where)
        problems += _compare_bounds(old, new, where)
        if "properties" in old or "properties" in new or old.get("type") == "object":
            problems += self._compare_object(old, new, where, path)
        if "items" in old or "items" in new:
            if isinstance(old.get("items"), Mapping) and isinstance(new.get("items"), Mapping):
                problems += self.compare(old["items"], new["items"], f"{path}[]")
            elif old.get("items") != new.get("items"):
                problems.append(f"{where}: items gewijzigd")
        for key in sorted((old.keys() | new.keys()) - _HANDLED - _ANNOTATIONS):
            if key.startswith("x-"):
                continue
            if old.get(key) != new.get(key):
                problems.append(f"{where}: sleutelwoord {key} gewijzigd")
        return problems

    def _compare_object(self, old: Mapping[str, Any], new: Mapping[str, Any], where: str, path: str) -> list[str]:
        problems: list[str] = []
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", ())), set(new.get("required", ()))
        old_open = old.get("additionalProperties", True) is not False
        new_open = new.get("additionalProperties", True) is not False
        for name in sorted(old_props.keys() - new_props.keys()):
            problems.append(f"{_join(path, name)}: eigenschap verwijderd")
        for name in sorted(new_props.keys() - old_props.keys()):
            if name in new_req:
                problems.append(f"{_join(path, name)}: nieuwe verplichte eigenschap; {OLD_UNREADABLE}")
            elif not old_open:
                problems.append(f"{_join(path, name)}: nieuwe eigenschap in een gesloten object; {NEW_REJECTED}")
        for name in sorted(old_props.keys() & new_props.keys()):
            if name in new_req and name not in old_req:
                problems.append(f"{_join(path, name)}: is nu verplicht; {OLD_UNREADABLE}")
            if name in old_req and name not in new_req:
                problems.append(f"{_join(path, name)}: is niet meer verplicht; {NEW_REJECTED}")
            problems += self.compare(old_props[name], new_props[name], _join(path, name))
        if old_open and not new_open:
            problems.append(f"{where}: object is nu gesloten (additionalProperties: false); {OLD_UNREADABLE}")
        if not old_open and new_open:
            problems.append(f"{where}: object is nu open; {NEW_REJECTED}")
        extra_old, extra_new = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(extra_old, Mapping) and isinstance(extra_new, Mapping):
            problems += self.compare(extra_old, extra_new, f"{path}{{*}}")
        return problems


def _spells_out_rfc3339(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """`format: date-time` is RFC 3339, whose offset is mandatory; adding the pattern that says
    so changes nothing for a validator that asserts formats, it only helps those that annotate."""
    return (
        old.get("format") == new.get("format") == "date-time"
        and old.get("pattern") is None
        and new.get("pattern") == RFC3339_PATTERN
    )


def _branches(doc: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The alternatives a schema accepts, keyed by JSON type: `anyOf` and type lists flattened."""
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        out: dict[str, Mapping[str, Any]] = {}
        for alt in alternatives:
            out.update(_branches(doc, _resolve(doc, alt)))
        return out
    types = node.get("type")
    if isinstance(types, list):
        return {t: {**node, "type": t} for t in types}
    return {str(types) if types is not None else "(elk)": node}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _resolve(doc: Mapping[str, Any], node: Any) -> Mapping[str, Any]:
    """Follow local `$ref`s ("#/..."); sibling keywords of a $ref are kept beside the target's."""
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"alleen lokale $ref wordt ondersteund, niet {ref!r}")
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings} if siblings else target
        seen += 1
        if seen > 64:
            raise ValueError(f"$ref-lus bij {ref!r}")
    return node if isinstance(node, Mapping) else {}


def _allowed_values(node: Mapping[str, Any]) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    if "enum" in node:
        return list(node["enum"])
    return None


def _compare_values(old: Mapping[str, Any], new: Mapping[str, Any], where: str) -> list[str]:
    old_values, new_values = _allowed_values(old), _allowed_values(new)
    if old_values is None and new_values is None:
        return []
    if old_values is None:
        return [f"{where}: alleen nog de waarden {new_values!r}; {OLD_UNREADABLE}"]
    if new_values is None:
        return [f"{where}: niet meer beperkt tot {old_values!r}; {NEW_REJECTED}"]
    problems = [
        f"{where}: waarde {v!r} wordt niet meer aanvaard; {OLD_UNREADABLE}" for v in old_values if v not in new_values
    ]
    problems += [f"{where}: nieuwe waarde {v!r}; {NEW_REJECTED}" for v in new_values if v not in old_values]
    return problems


def _compare_bounds(old: Mapping[str, Any], new: Mapping[str, Any], where: str) -> list[str]:
    problems = []
    for key in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        lower = key in _LOWER_BOUNDS
        if a is None:
            tighter = True
        elif b is None:
            tighter = False
        else:
            tighter = b > a if lower else b < a
        consequence = OLD_UNREADABLE if tighter else NEW_REJECTED
        problems.append(f"{where}: {key} {a!r} wordt {b!r} ({'strenger' if tighter else 'ruimer'}); {consequence}")
    return problems


# --------------------------------------------------------------------------- deploy: streams


def stream_config(stream: StreamDef, replicas: int = 1) -> dict[str, Any]:
    """The JetStream API StreamConfig (`$JS.API.STREAM.CREATE.<name>` body) of a stream."""
    return {
        "name": stream.name,
        "description": stream.description,
        "subjects": list(stream.subjects),
        "retention": "limits",
        "storage": "file",
        "discard": "old",
        "max_age": stream.max_age_seconds * NANOS,
        "duplicate_window": stream.duplicate_window_seconds * NANOS,
        "max_msgs": -1,
        "max_bytes": -1,
        "max_msg_size": -1,
        "num_replicas": replicas,
        "deny_delete": False,
        "deny_purge": False,  # erasure purges a member's subjects
        "allow_rollup_hdrs": False,
        "allow_direct": True,
    }


def consumer_config(consumer: ConsumerDef) -> dict[str, Any]:
    """The ConsumerConfig the chassis creates; a deploy test compares the two."""
    return {
        "durable_name": consumer.durable,
        "description": consumer.description,
        "filter_subjects": list(consumer.filter_subjects),
        "ack_policy": "explicit",
        "deliver_policy": "all",
        "replay_policy": "instant",
        # The chassis counts attempts itself and dead-letters; the server must keep delivering.
        "max_deliver": -1,
        "max_ack_pending": 10_000,
        "ack_wait": consumer.ack_wait_seconds * NANOS,
    }


def streams_document(replicas: int = 1) -> dict[str, Any]:
    return {
        "$comment": f"Gegenereerd uit dinet_contracts.topology door `{REGENERATE} --deploy`; niet bewerken.",
        "streams": [stream_config(s, replicas) for s in STREAMS],
        "consumers": [{"stream_name": c.stream, "config": consumer_config(c)} for c in CONSUMERS],
    }


# --------------------------------------------------------------------------- deploy: NATS permissions
# Each service's NATS user is allowed exactly what follows from the topology. The users are
# signed JWTs (dinet_chassis.natsauth puts these permissions in them), the same in production
# and in the embedded server of `dinet up`.


@dataclass(frozen=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


def service_streams(service: str) -> list[str]:
    """Streams a service writes to or reads from: the ones it may look up and create at start."""
    return [s.name for s in streams_of(service)]


# Erasure (`lid.gewist`) purges a member's subjects from these streams; only registratie may.
ERASES_FROM: dict[str, tuple[str, ...]] = {"registratie": (PERSOONSGEGEVENS.name, DEADLETTERS.name)}

# registratie publishes what partners POST over HTTP, on their prefix.
PARTNER_HTTP_GATEWAY = "registratie"
PARTNER_HTTP_PATH = "/registratie/api/v1/partner/gebeurtenissen"


def partner_gateway_publish(service: str) -> list[str]:
    return [f"{PARTNER_PREFIX}.>"] if service == PARTNER_HTTP_GATEWAY else []


def service_permissions(service: str) -> Permissions:
    """Exactly what a service needs on NATS; everything else is denied by the server."""
    publish = [subject_pattern(cls.subject_template) for cls in PUBLISHED_BY[service]]
    for stream in service_streams(service):
        # what `dinet_chassis.bus.ensure_streams` calls
        publish += [f"$JS.API.STREAM.{op}.{stream}" for op in ("INFO", "CREATE", "UPDATE")]
    for c in consumers_of(service):
        s, d = c.stream, c.durable
        publish += [
            # nats-py creates a durable on one of these three subjects, depending on its filters
            f"$JS.API.CONSUMER.CREATE.{s}.{d}",
            f"$JS.API.CONSUMER.CREATE.{s}.{d}.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{s}.{d}",
            f"$JS.API.CONSUMER.INFO.{s}.{d}",
            f"$JS.API.CONSUMER.MSG.NEXT.{s}.{d}",
            f"$JS.ACK.{s}.{d}.>",
            f"{DLQ_PREFIX}.{d}.>",
        ]
    publish += partner_gateway_publish(service)
    publish += [f"$JS.API.STREAM.PURGE.{stream}" for stream in ERASES_FROM.get(service, ())]
    # Replies (publish acks, API answers, pulled messages) all arrive on the client's inbox.
    return Permissions(publish=tuple(publish), subscribe=("_INBOX.>",))


def permissions_document() -> dict[str, Any]:
    """What every NATS user may do, for people to review (the users themselves are JWTs)."""
    return {
        "$comment": (
            f"Gegenereerd uit dinet_contracts.topology door `{REGENERATE} --deploy`; niet bewerken. "
            "Zo staan de rechten in de NATS-gebruikers die `python -m dinet_chassis.natsauth` ondertekent."
        ),
        "DINET": {
            **{
                service: {"publish": list(p.publish), "subscribe": list(p.subscribe)}
                for service, p in ((s, service_permissions(s)) for s in SERVICES)
            },
            "beheer": {"publish": [">"], "subscribe": [">"]},
        },
        "PARTNER": {
            "partner-<naam>": {"publish": [f"{PARTNER_PREFIX}.<organisatie-id>.>"], "subscribe_deny": [">"]},
        },
    }


def nats_server_conf() -> str:
    return f"""# NATS server for the DINET platform.
# Generated from dinet_contracts by `{REGENERATE} --deploy`; do not edit by hand.
#
# Who may connect is NATS decentralised authentication: an operator, the accounts DINET (the
# services and the operator CLI, JetStream), PARTNER (partner organisations; what they publish on
# {PARTNER_PREFIX}.> is imported into DINET, where the DINET_PARTNERS stream keeps it) and SYS,
# and every user, are nkeys and signed JWTs. `python -m dinet_chassis.natsauth <folder>` makes
# them once and keeps them there (the `nats-auth` service of docker-compose.yml runs it before
# NATS starts); auth/auth.conf is its server part: the operator and the account JWTs, no
# secrets. Each service's user carries the permissions of deploy/nats/permissions.json. Nobody
# gets in without one of these users.
#
# Partner users are issued and revoked by registratie while everything runs: a new user is
# valid at once; a revocation is pushed to the resolver below, which keeps it in /data/jwt,
# refuses the user from then on and disconnects it. No file is edited, no server reloaded.

server_name: dinet_nats
listen: 0.0.0.0:4222
# Monitoring (/healthz, /varz, /jsz) for the container health check; not published to the host.
http: 0.0.0.0:8222
max_payload: 1MB
# A service user's JWT, with its permissions, travels in the CONNECT line; past the default
# 4 KB the server refuses it.
max_control_line: 64KB

jetstream {{
    store_dir: "/data/jetstream"
    # Fsync every write before acknowledging it. The default (fsync every two minutes, ack at
    # once) loses acknowledged messages on a power cut or kernel crash, and our outbox marks a
    # row published as soon as the ack arrives: the event would be gone for good.
    sync_interval: always
}}

include "auth/auth.conf"

resolver {{
    type: full
    dir: "/data/jwt"
    allow_delete: false
}}
"""


# --------------------------------------------------------------------------- deploy: NATS cluster
# One machine is not always enough: three nodes, each stream kept on all three (JetStream's Raft
# needs a majority, so one node may be down at any time without losing or refusing anything).
# Every node runs the single-node configuration (operator, accounts, full resolver, fsync) and
# adds its name and its routes, so the two never drift apart.

CLUSTER_NAME = "dinet"
CLUSTER_NODES = ("nats-1", "nats-2", "nats-3")
CLUSTER_ROUTE_PORT = 6222
CLUSTER_REPLICAS = 3


def cluster_client_url() -> str:
    """NATS_URL for a service in the cluster: every node, so it can start with any one down.
    Who the service is comes from its credentials (NATS_CREDS), never from the URL."""
    return ",".join(f"nats://{node}:4222" for node in CLUSTER_NODES)


def nats_cluster_conf() -> str:
    return f"""# One node of the three-node NATS cluster of the DINET platform.
# Generated by `{REGENERATE} --deploy`; do not edit by hand.
#
# Run the same file on each node ({", ".join(CLUSTER_NODES)}), each with NATS_SERVER_NAME set to its
# own name, as cluster/nats-server.conf beside the single server's nats-server.conf and its auth/
# folder (server/ of `python -m dinet_chassis.natsauth <folder>`: run it once and give all three
# nodes the same public part; the keys stay where they were made). Each node keeps its own
# JetStream store and resolver folder (/data). The services keep their own NATS_CREDS and get
#   NATS_URL={cluster_client_url()}
#   DINET_STREAM_REPLICAS={CLUSTER_REPLICAS}
# and create every stream with {CLUSTER_REPLICAS} replicas (streams.json beside this file): a stream
# answers as long as two of the three nodes do, and a node that comes back catches up by itself.
#
# An account update that registratie pushes (a partner user revoked) reaches one node, which
# passes it on to the others: every running node refuses that user at once. A node that was down
# meanwhile gets it with registratie's next push (it pushes the whole list every minute).
#
# The route port carries the traffic of every account: a node accepts a route only from the
# cluster's route user, whose password the same command made once (auth/cluster.conf, with the
# routes to the three nodes). Keep the port on a network that only the three nodes reach all the same.

# Operator, accounts, full resolver and JetStream (fsync on every write) of the single server;
# its own `include "auth/auth.conf"` is read relative to that file, so auth/ sits beside it ...
include "../nats-server.conf"
# ... and so does the route user: DINET_ROUTE_USER, DINET_ROUTE_PASSWORD, DINET_ROUTES.
include "../auth/cluster.conf"

# ... and what makes this server one node of the cluster (later settings win).
server_name: $NATS_SERVER_NAME

cluster {{
    name: {CLUSTER_NAME}
    listen: 0.0.0.0:{CLUSTER_ROUTE_PORT}
    authorization {{
        user: $DINET_ROUTE_USER
        password: $DINET_ROUTE_PASSWORD
    }}
    # {", ".join(f"nats-route://{node}:{CLUSTER_ROUTE_PORT}" for node in CLUSTER_NODES)}, each with the route
    # user; a node skips the route to itself.
    routes: $DINET_ROUTES
}}
"""


# --------------------------------------------------------------------------- files


class Incompatible(RuntimeError):
    pass


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def contract_files(root: Path) -> dict[Path, str]:
    files = {root / "contracts" / "schemas" / f"{t}.json": render_json(s) for t, s in all_schemas().items()}
    return files


def deploy_files(root: Path) -> dict[Path, str]:
    return {
        root / "deploy" / "nats" / "streams.json": render_json(streams_document()),
        root / "deploy" / "nats" / "nats-server.conf": nats_server_conf(),
        root / "deploy" / "nats" / "permissions.json": render_json(permissions_document()),
        root / "deploy" / "nats" / "cluster" / "streams.json": render_json(streams_document(CLUSTER_REPLICAS)),
        root / "deploy" / "nats" / "cluster" / "nats-server.conf": nats_cluster_conf(),
    }


# Corrections of published schemas that described less than the models ever enforced: a message
# the correction refuses was refused by every consumer already, so no message on the bus becomes
# unreadable. Each entry is the start of a problem text from `check_compatible`, with the reason.
SCHEMA_ERRATA: dict[str, str] = {
    "specversion: is nu verplicht": "CloudEvents 1.0 maakt specversion verplicht; parse() (RawCloudEvent) "
    "weigerde een bericht zonder specversion altijd al, het schema zei het niet.",
    **{
        f"{path}: {change}": "numeric(6, 2) met max_digits=6 en decimal_places=2 in het model: meer dan "
        "9999.99 of tekst die geen getal is, werd altijd al geweigerd."
        for path in ("data.activiteit.duur_uren", "data.uren")
        for change in ("maximum None wordt 9999.99", f"pattern None wordt {UREN_PATTERN!r}")
    },
}


def _erratum(problem: str) -> bool:
    return any(problem.startswith(prefix) for prefix in SCHEMA_ERRATA)


def compatibility_problems(root: Path) -> list[str]:
    """Every checked-in (published) schema against the current model, and vanished types."""
    problems = []
    schemas = all_schemas()
    for path in sorted((root / "contracts" / "schemas").glob("*.json")):
        event_type = path.name.removesuffix(".json")
        new = schemas.get(event_type)
        if new is None:
            problems.append(
                f"{event_type}: gepubliceerd maar niet meer in EVENT_TYPES; oude berichten blijven bestaan, "
                "houd het model (of lees het op als een nieuwere versie)"
            )
            continue
        for p in check_compatible(json.loads(path.read_text(encoding="utf-8")), new):
            if not _erratum(p):
                problems.append(f"{event_type}: {p}")
    return problems


def drifted(files: Mapping[Path, str]) -> list[Path]:
    return [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dinet_contracts.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="niets schrijven; exit 1 bij afwijking")
    parser.add_argument("--deploy", action="store_true", help="alleen deploy/nats")
    parser.add_argument("--contracts", action="store_true", help="alleen contracts/schemas")
    parser.add_argument("--root", type=Path, default=None, help="de werkruimte (standaard: afgeleid)")
    args = parser.parse_args(argv)
    root = (args.root or repo_root()).resolve()
    both = args.deploy == args.contracts
    files: dict[Path, str] = {}
    if both or args.contracts:
        files |= contract_files(root)
    if both or args.deploy:
        files |= deploy_files(root)

    problems = compatibility_problems(root) if (both or args.contracts) else []
    if problems:
        print("Onverenigbaar met een gepubliceerde versie:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        print(
            "Een gepubliceerd type verandert niet meer: voeg een nieuw type toe (bv. ….v2) naast het oude "
            "en laat consumenten beide lezen.",
            file=sys.stderr,
        )
        return 2

    changed = drifted(files)
    if args.check:
        for p in changed:
            print(f"verouderd: {p.relative_to(root)}", file=sys.stderr)
        if changed:
            print(f"Genereer opnieuw met: {REGENERATE}", file=sys.stderr)
        return 1 if changed else 0
    for p in changed:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files[p], encoding="utf-8")
        print(f"geschreven: {p.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
