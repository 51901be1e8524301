"""`dinet dlq list|show|replay` against a real JetStream with a dead letter in it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nats

from dinet_chassis import deadletter
from dinet_chassis.bus import ensure_streams
from dinet_contracts.topology import DEADLETTERS, EVENTS, dlq_subject

SUBJECT = "dinet.evt.registratie.lid.geregistreerd.v1"
EVENT = {
    "specversion": "1.0",
    "id": "0b6f3c1e-5d1c-4c57-9d36-0c1f7d5e2a10",
    "source": "/dinet/registratie",
    "type": "be.dinet.lid.geregistreerd.v1",
    "time": "2025-11-03T10:15:00Z",
    "data": {"lid_id": "kapot"},
}


def dinet(*args: str, url: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    return subprocess.run(
        [sys.executable, "-m", "dinet_cli", "dlq", *args, "--nats-url", url],
        env=env, capture_output=True, text=True, input=stdin, timeout=30,
    )


async def test_list_show_and_replay_with_corrected_data(nats_server, tmp_path):
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        await ensure_streams(js)
        assert "geen dead letters" in dinet("list", url=nats_server.url).stdout

        ack = await js.publish(
            dlq_subject("kpi-projectie", SUBJECT),
            json.dumps(EVENT).encode(),
            headers={
                "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                deadletter.REASON: "lid_id: geen geldige UUID",
                deadletter.CONSUMER: "kpi-projectie",
                deadletter.SUBJECT: SUBJECT,
                deadletter.STREAM: EVENTS.name,
                deadletter.STREAM_SEQ: "7",
                deadletter.DELIVERIES: "1",
                deadletter.TIME: "2025-11-03T10:15:01+00:00",
            },
        )
        seq = ack.seq

        listed = dinet("list", "--json", url=nats_server.url)
        assert listed.returncode == 0, listed.stderr
        [letter] = json.loads(listed.stdout)
        assert letter["seq"] == seq
        assert letter["consumer"] == "kpi-projectie"
        assert letter["event_type"] == "be.dinet.lid.geregistreerd.v1"
        assert letter["body"]["data"] == {"lid_id": "kapot"}
        table = dinet("list", url=nats_server.url).stdout
        assert "kpi-projectie" in table and "geen geldige UUID" in table

        shown = dinet("show", str(seq), url=nats_server.url)
        assert shown.returncode == 0
        assert "Reden" in shown.stdout and "geen geldige UUID" in shown.stdout
        assert "traceparent: 00-0af7651916cd43dd8448eb211c80319c" in shown.stdout

        corrected = tmp_path / "data.json"
        corrected.write_text(json.dumps({"lid_id": "5b1e3f0a-9a4e-4c1e-8f7e-3b9c2d1a0e55"}))
        replayed = dinet("replay", str(seq), "--data", str(corrected), url=nats_server.url)
        assert replayed.returncode == 0, replayed.stderr
        assert EVENT["id"] in replayed.stdout

        # Back on its own subject with the new data and its trace context; gone from the dead letters.
        msg = await js.get_last_msg(EVENTS.name, SUBJECT)
        body = json.loads(msg.data)
        assert body["id"] == EVENT["id"]
        assert body["data"] == {"lid_id": "5b1e3f0a-9a4e-4c1e-8f7e-3b9c2d1a0e55"}
        assert msg.headers["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c")
        assert (await js.stream_info(DEADLETTERS.name)).state.messages == 0

        missing = dinet("show", str(seq), url=nats_server.url)
        assert missing.returncode == 1 and "bestaat niet" in missing.stderr
    finally:
        await nc.close()


def test_without_nats_it_says_what_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    env["DINET_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "dinet_cli", "dlq", "list"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "dinet up" in result.stderr
