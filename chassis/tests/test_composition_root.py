"""A service's composition root on a real runtime: `bootstrap` builds one typed object the app
and the hooks share, and `Runtime.on_commit` wakes a worker after each consumer batch commits
(real NATS and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from dinet_contracts import wrap
from dinet_contracts.events.registratie import OrganisatieBijgewerkt
from litestar import get
from litestar.di import NamedDependency

from dinet_chassis.runtime import Runtime, ServiceDefinition
from dinet_chassis.testing import asgi_client, wait_until
from dinet_chassis.web import create_web_app


@dataclass
class Wekker:
    """Stands in for a worker that polls for new rows."""

    wakker: asyncio.Event = field(default_factory=asyncio.Event)
    keer: int = 0

    def wake(self) -> None:
        self.keer += 1
        self.wakker.set()


@dataclass(frozen=True)
class ProefDiensten:
    wekker: Wekker
    bron: str


def bootstrap(runtime: Runtime) -> ProefDiensten:
    return ProefDiensten(wekker=Wekker(), bron=runtime.source)


async def start(runtime: Runtime) -> None:
    runtime.on_commit(runtime.diensten.wekker.wake)


verwerkt: list[str] = []


async def op_organisatie(event: OrganisatieBijgewerkt, conn, ctx) -> None:
    verwerkt.append(str(event.organisatie_id))


@get("/beleidsplan/api/v1/bron", sync_to_thread=False)
def bron(diensten: NamedDependency[ProefDiensten]) -> dict[str, str]:
    return {"bron": diensten.bron}


def definitie(tmp_path: Path) -> ServiceDefinition:
    # A service name from the topology, so the chassis creates its durable consumer; the code is
    # this test's own.
    return ServiceDefinition(
        name="beleidsplan",
        package_dir=tmp_path,
        create_app=lambda runtime: create_web_app(runtime, [bron], template_dir=tmp_path),
        handlers={"beleidsplan-aanbod": {OrganisatieBijgewerkt: op_organisatie}},
        bootstrap=bootstrap,
        on_start=start,
    )


async def test_bootstrap_object_reaches_handlers_and_commits_wake_the_worker(start_service, tmp_path: Path) -> None:
    async with start_service(definitie(tmp_path)) as runtime:
        diensten = runtime.diensten
        assert isinstance(diensten, ProefDiensten)
        # The typed object is the only way in: no untyped bag beside it.
        assert not hasattr(runtime, "state")
        async with asgi_client(runtime.app) as client:
            assert (await client.get("/beleidsplan/api/v1/bron")).json() == {"bron": "/dinet/beleidsplan"}

        assert diensten.wekker.keer == 0
        organisatie = uuid.uuid4()
        envelope = wrap(
            OrganisatieBijgewerkt(organisatie_id=organisatie, versie=1, naam="Gent", type="lokaal_bestuur"),
            source="/dinet/registratie",
        )
        await runtime.js.publish(envelope.data.nats_subject(), envelope.model_dump_json().encode())
        await asyncio.wait_for(diensten.wekker.wakker.wait(), timeout=10)
        assert str(organisatie) in verwerkt
        # A use case's unit of work from the runtime wakes it too, and only when it commits.
        before = diensten.wekker.keer
        try:
            async with runtime.unit_of_work() as uow:
                await uow.conn.exec_driver_sql("SELECT 1")
                raise LookupError
        except LookupError:
            pass
        assert diensten.wekker.keer == before
        async with runtime.unit_of_work():
            pass
        await wait_until(lambda: diensten.wekker.keer == before + 1)
