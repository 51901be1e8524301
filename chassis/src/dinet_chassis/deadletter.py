"""Dead letters: messages a consumer could not process, kept with the reason, the original
message and its headers on `DINET_DEADLETTERS`, to inspect and replay after a fix."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from dinet_contracts.topology import DEADLETTERS, dlq_subject

REASON = "Dinet-Dlq-Reason"
CONSUMER = "Dinet-Dlq-Consumer"
SUBJECT = "Dinet-Dlq-Subject"
STREAM = "Dinet-Dlq-Stream"
STREAM_SEQ = "Dinet-Dlq-Stream-Seq"
DELIVERIES = "Dinet-Dlq-Deliveries"
TIME = "Dinet-Dlq-Time"
ORIGINAL_MSG_ID = "Dinet-Dlq-Original-Msg-Id"
# Other NATS headers of the original, kept for inspection under this prefix + their own name.
ORIGINAL_PREFIX = "Dinet-Dlq-Original-"
_OWN_PREFIX = "Dinet-Dlq-"


def _is_own(name: str) -> bool:
    return name.lower().startswith(_OWN_PREFIX.lower())


def _is_nats_control(name: str) -> bool:
    """Every `Nats-*` header is reserved by NATS, and many steer the publish itself
    (`Nats-Expected-Stream`, `Nats-Expected-Last-*`, `Nats-Msg-Id`, `Nats-Rollup`, `Nats-TTL`,
    `Nats-Batch-*`, `Nats-Schedule-*`, ...): copied onto a dead letter or a replay they would make
    JetStream refuse it, or treat it as something it is not."""
    return name.lower().startswith("nats-")


def dead_letter_headers(original: dict[str, str] | None) -> dict[str, str]:
    """The original headers as they may travel on the dead-letter stream: JetStream's control
    headers renamed, so the publish cannot be refused for them and they stay readable."""
    headers: dict[str, str] = {}
    for name, value in (original or {}).items():
        if _is_own(name):
            continue  # a replayed dead letter that failed again: its old reason is stale
        if name.lower() == "nats-msg-id":
            headers[ORIGINAL_MSG_ID] = value
        elif _is_nats_control(name):
            headers[ORIGINAL_PREFIX + name] = value
        else:
            headers[name] = value
    return headers


def _header_value(value: str, limit: int = 2000) -> str:
    # NATS headers are single lines.
    return " ".join(str(value).split())[:limit]


async def send_to_dead_letters(
    js: JetStreamContext, durable: str, msg: Msg, reason: str, *, timeout: float = 5.0
) -> None:
    """Publish the original message with its headers plus why it failed; returns after JetStream
    stored it, so the caller may then ack the original without losing anything."""
    meta = msg.metadata
    headers = dead_letter_headers(msg.headers)
    headers.update(
        {
            REASON: _header_value(reason),
            CONSUMER: durable,
            SUBJECT: msg.subject,
            STREAM: meta.stream,
            STREAM_SEQ: str(meta.sequence.stream),
            DELIVERIES: str(meta.num_delivered),
            TIME: datetime.now(UTC).isoformat(),
            # Dead-lettering the same delivery twice (crash before the ack) stores it once.
            "Nats-Msg-Id": f"dlq:{durable}:{meta.stream}:{meta.sequence.stream}",
        }
    )
    await js.publish(
        dlq_subject(durable, msg.subject), msg.data or b"", headers=headers, stream=DEADLETTERS.name, timeout=timeout
    )


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    time: str
    consumer: str
    reason: str
    subject: str
    stream_seq: int
    deliveries: int
    event_id: str | None
    event_type: str | None
    headers: dict[str, str]
    body: bytes

    def original_headers(self) -> dict[str, str]:
        """What a replay publishes again: the original's own headers, without the dead letter's
        bookkeeping and without JetStream control headers (a stale `Nats-Expected-*` would make
        the replay fail the way the original's dead-lettering once did)."""
        return {k: v for k, v in self.headers.items() if not _is_own(k) and not _is_nats_control(k)}


def _from_raw(seq: int, headers: dict[str, str] | None, body: bytes) -> DeadLetter:
    headers = dict(headers or {})
    event_id = event_type = None
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            event_id, event_type = parsed.get("id"), parsed.get("type")
    except ValueError:
        pass
    return DeadLetter(
        seq=seq,
        time=headers.get(TIME, ""),
        consumer=headers.get(CONSUMER, ""),
        reason=headers.get(REASON, ""),
        subject=headers.get(SUBJECT, ""),
        stream_seq=int(headers.get(STREAM_SEQ, "0") or 0),
        deliveries=int(headers.get(DELIVERIES, "0") or 0),
        event_id=event_id,
        event_type=event_type,
        headers=headers,
        body=body or b"",
    )


async def get_dead_letter(js: JetStreamContext, seq: int) -> DeadLetter:
    raw = await js.get_msg(DEADLETTERS.name, seq)
    return _from_raw(raw.seq, raw.headers, raw.data or b"")


async def list_dead_letters(js: JetStreamContext, limit: int = 1000) -> list[DeadLetter]:
    info = await js.stream_info(DEADLETTERS.name)
    result: list[DeadLetter] = []
    seq = info.state.first_seq
    while seq and seq <= info.state.last_seq and len(result) < limit:
        try:
            result.append(await get_dead_letter(js, seq))
        except NotFoundError:
            pass  # replayed or purged
        seq += 1
    return result


async def replay(js: JetStreamContext, seq: int, data: Any | None = None) -> str:
    """Publish a dead letter again on its original subject, optionally with corrected `data`,
    then remove it from the dead letters. Returns the event id.

    The CloudEvent id stays the same, so consumers that did process it skip it (inbox); the
    JetStream message id is new, or the server's duplicate window could swallow the replay.
    """
    letter = await get_dead_letter(js, seq)
    body = letter.body
    if data is not None:
        try:
            envelope = json.loads(body)
        except ValueError:
            envelope = None
        if isinstance(envelope, dict) and "specversion" in envelope and not (
            isinstance(data, dict) and "specversion" in data
        ):
            envelope["data"] = data
        else:
            envelope = data  # a whole corrected envelope
        body = json.dumps(envelope).encode()
    headers = letter.original_headers()
    headers["Nats-Msg-Id"] = f"replay:{seq}:{hashlib.sha256(body).hexdigest()[:16]}"
    await js.publish(letter.subject, body, headers=headers)
    await js.delete_msg(DEADLETTERS.name, seq)
    try:
        return str(json.loads(body).get("id"))
    except (ValueError, AttributeError):
        return ""
