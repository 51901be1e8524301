"""Why the outbox relay publishes with bare nats-py and not through FastStream's broker.

On a fsync-always JetStream (what we ship), N events: nats-py `publish_async` pipelined (what the
relay does), FastStream's `broker.publish(..., stream=...)` 256 at a time, and one at a time.
FastStream awaits each PubAck as a request; even 256 concurrent ones stay below the relay's target
(>= 0.85x raw pipelined publishing) once the relay's own cost comes on top.

    python -m benchmarks.faststream_publish
"""
import asyncio, time, tempfile, uuid
from pathlib import Path
import nats
from dinet_chassis.embedded import EmbeddedNats
from dinet_chassis.broker import ChassisBroker
from dinet_chassis.bus import ensure_streams

N = 4000
SUBJ = "dinet.evt.registratie.lid.geregistreerd.v1"
BODY = b'{"x":"' + b"a" * 600 + b'"}'

async def raw(js):
    t = time.perf_counter()
    futs = [await js.publish_async(SUBJ, BODY, headers={"Nats-Msg-Id": uuid.uuid4().hex}) for _ in range(N)]
    await asyncio.gather(*futs)
    return N / (time.perf_counter() - t)

async def fs_sequential(broker, n):
    t = time.perf_counter()
    for _ in range(n):
        await broker.publish(BODY, SUBJ, stream="DINET_EVENTS", headers={"Nats-Msg-Id": uuid.uuid4().hex})
    return n / (time.perf_counter() - t)

async def fs_concurrent(broker, window=256):
    t = time.perf_counter()
    for i in range(0, N, window):
        await asyncio.gather(*(broker.publish(BODY, SUBJ, stream="DINET_EVENTS", headers={"Nats-Msg-Id": uuid.uuid4().hex}) for _ in range(min(window, N - i))))
    return N / (time.perf_counter() - t)

async def main():
    with tempfile.TemporaryDirectory() as d:
        server = EmbeddedNats(Path(d) / "n", sync_always=True).start()
        try:
            nc = await nats.connect(server.url)
            js = nc.jetstream()
            await ensure_streams(js)
            broker = ChassisBroker(nc)
            await broker.connect()
            for r in range(2):
                a = await raw(js)
                b = await fs_concurrent(broker)
                c = await fs_sequential(broker, 500)
                print(f"round {r+1}: raw publish_async {a:.0f} msg/s; FastStream publish, 256 concurrent {b:.0f} msg/s ({b/a:.2f}x); FastStream publish, one at a time {c:.0f} msg/s ({c/a:.2f}x)")
            await nc.close()
        finally:
            server.stop()

asyncio.run(main())
