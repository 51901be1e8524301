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
_OWN = (REASON, CONSUMER, SUBJECT, STREAM, STREAM_SEQ, DELIVERIES, TIME, ORIGINAL_MSG_ID)


def _header_value(value: str, limit: int = 2000) -> str:
    # NATS headers are single lines.
    return " ".join(str(value).split())[:limit]


async def send_to_dead_letters(js: JetStreamContext, durable: str, msg: Msg, reason: str) -> None:
    """Publish the original message with its headers plus why it failed; returns after JetStream
    stored it, so the caller may then ack the original without losing anything."""
    meta = msg.metadata
    original = dict(msg.headers or {})
    # `Nats-Expected-*` were the publisher's conditions on the original stream (e.g. the HTTP
    # gateway's expected stream): on the dead-letter stream they fail and the letter never lands.
    headers = {
        k: v
        for k, v in original.items()
        if k not in _OWN and k != "Nats-Msg-Id" and not k.startswith("Nats-Expected-")
    }
    if "Nats-Msg-Id" in original:
        headers[ORIGINAL_MSG_ID] = original["Nats-Msg-Id"]
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
    await js.publish(dlq_subject(durable, msg.subject), msg.data or b"", headers=headers)


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
        return {k: v for k, v in self.headers.items() if k not in _OWN and k != "Nats-Msg-Id"}


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
