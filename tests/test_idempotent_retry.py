"""registratie killed with SIGKILL after committing a sign-up, before answering: the visitor sees a
502 from the gateway, and the retry with the same Idempotency-Key gets the first answer (201, the
same member) instead of 409 "already a member"."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from functools import partial

import asyncpg
import httpx

from dinet_chassis.db import asyncpg_connect_kwargs
from dinet_chassis.embedded import free_port, wait_for_port
from dinet_chassis.testing import start_process
from dinet_cli.gateway import Gateway, serve
from registratie.kernel.organisaties import organisatie_id_voor_nis

GENT = str(organisatie_id_voor_nis("44021"))


# Its own process, so it can die between the commit and the answer.
start_registratie = partial(
    start_process, "registratie", DINET_SECRET_KEY="test-secret-" + "x" * 32, SMTP_URL=f"smtp://127.0.0.1:{free_port()}"
)


async def test_a_sign_up_killed_before_its_answer_is_retried_safely(nats_server, database_url, tmp_path):
    port = free_port()
    gateway = Gateway({"registratie": f"http://127.0.0.1:{port}"})
    gateway_port = free_port()
    server, task = await serve(gateway.app, "127.0.0.1", gateway_port)
    aanvraag = {"naam": "An Peeters", "email": "an.peeters@gent.be", "organisatie_id": GENT}
    sleutel = {"Idempotency-Key": str(uuid.uuid4())}
    processen: list[subprocess.Popen] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway_port}", timeout=30) as client:
            doomed = start_registratie(nats_server.url, database_url, port, tmp_path, fault="kill-before-answer")
            processen.append(doomed)
            await asyncio.to_thread(wait_for_port, port, "127.0.0.1", 60)
            verloren = await client.post("/registratie/api/v1/leden", json=aanvraag, headers=sleutel)
            assert verloren.status_code == 502  # the sign-up was committed, its answer never left
            assert await asyncio.to_thread(doomed.wait, 30) == -signal.SIGKILL

            survivor = start_registratie(nats_server.url, database_url, port, tmp_path)
            processen.append(survivor)
            await asyncio.to_thread(wait_for_port, port, "127.0.0.1", 60)
            opnieuw = await client.post("/registratie/api/v1/leden", json=aanvraag, headers=sleutel)
            zonder_sleutel = await client.post("/registratie/api/v1/leden", json=aanvraag)

        conn = await asyncpg.connect(**asyncpg_connect_kwargs(database_url))
        try:
            leden = await conn.fetch("SELECT id FROM registratie.leden")
        finally:
            await conn.close()
        assert opnieuw.status_code == 201
        assert opnieuw.headers["idempotent-replayed"] == "true"
        assert [str(r["id"]) for r in leden] == [opnieuw.json()["id"]]  # one member, the one the first request made
        assert zonder_sleutel.status_code == 409  # what a retry without a key gets

        survivor.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(survivor.wait, 30) == 0
    finally:
        for proces in processen:
            if proces.poll() is None:
                proces.kill()
                proces.wait()
        server.should_exit = True
        await task
        await gateway.client.aclose()
