"""The role guard runs on the event loop: no worker-thread hop for every guarded request."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import httpx
import litestar.utils.sync
from litestar import Litestar, get
from litestar.datastructures import State

from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie, vereist

SLEUTEL = "proef-" + "x" * 32


@get("/proef/api/v1/beveiligd", guards=[vereist(Rol.LID)])
async def beveiligd() -> dict[str, str]:
    return {"ok": "ja"}


async def test_a_guarded_request_uses_no_worker_thread(monkeypatch):
    hops: list[object] = []
    naar_thread = litestar.utils.sync.sync_to_thread

    def geteld(fn, *args, **kwargs):
        hops.append(fn)
        return naar_thread(fn, *args, **kwargs)

    monkeypatch.setattr(litestar.utils.sync, "sync_to_thread", geteld)
    runtime = SimpleNamespace(settings=SimpleNamespace(secret_key=SLEUTEL))
    app = Litestar([beveiligd], state=State({"runtime": runtime}))
    wie = Identiteit(sub="lid:1", naam="Lid", rollen=frozenset({Rol.LID}), organisatie_id=uuid.uuid4(), lid_id=uuid.uuid4())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proef") as client:
        for _ in range(5):
            r = await client.get("/proef/api/v1/beveiligd", headers={"Cookie": f"{COOKIE}={maak_cookie(wie, SLEUTEL)}"})
            assert r.status_code == 200, r.text
        r = await client.get("/proef/api/v1/beveiligd")
        assert r.status_code != 200  # the guard still turns away who is not signed in
    assert hops == []
