"""`dinet status` answers within seconds and says what is down, also when NATS is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx

from dinet_chassis.embedded import free_port
from dinet_chassis.testing import wait_until
from dinet_cli.commands import status


def dinet_status(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL", "SMTP_URL")}
    environment.update(DINET_DATA_DIR=str(tmp_path / "geen-stack"), DINET_PORT=str(free_port()), **env)
    return subprocess.run(
        [sys.executable, "-m", "dinet_cli", "status", "--json"],
        env=environment, capture_output=True, text=True, timeout=60,
    )


async def test_status_with_nats_down_answers_within_seconds_and_says_what_is_down(nats_server, database_url, tmp_path):
    url = nats_server.url
    nats_server.stop()  # a server that was there and is gone: unlimited reconnects used to wait for it for ever
    started = time.monotonic()
    result = dinet_status(tmp_path, NATS_URL=url, DATABASE_URL=database_url)
    took = time.monotonic() - started
    assert took < 15, f"dinet status took {took:.1f} s"
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    parts = {p["naam"]: p for p in report["onderdelen"]}
    assert parts["NATS"]["werkt"] is False and "antwoordt niet" in parts["NATS"]["detail"]
    assert parts["PostgreSQL"]["werkt"] is True
    assert all(not parts[name]["werkt"] for name in ("registratie", "kpi", "meldingen", "beleidsplan"))
    assert report["alles_werkt"] is False and report["dead_letters"] is None


async def test_status_reports_a_service_whose_nats_is_down_from_its_readiness(start_service, nats_server):
    from kpi.main import DEFINITION

    async with start_service(DEFINITION, serve_http=True) as kpi:
        health = f"http://127.0.0.1:{kpi.settings.http_port}/kpi/health"
        async with httpx.AsyncClient(timeout=status.TIMEOUT + 1, trust_env=False) as client:
            part = await status.check_service(client, "kpi", health, {})
            assert part.werkt and part.detail == ""
            assert {c["consument"] for c in part.consumenten} >= {"kpi-projectie"}
            nats_server.stop()
            try:
                async def down():
                    p = await status.check_service(client, "kpi", health, {})
                    return p if not p.werkt else None

                part = await wait_until(down, timeout=10)
            finally:
                nats_server.start()
            assert part.detail.startswith("nats werkt niet")


def test_consumer_problems_say_what_an_operator_must_do_something_about():
    consumers = [
        {"consument": "kpi-projectie", "gepauzeerd": True, "pauzereden": "database: ConnectionRefusedError"},
        {
            "consument": "meldingen-leden",
            "gepauzeerd": False,
            "dead_letter_mislukt": 4,
            "wacht_op_dead_letter_aantal": 1,
            "wacht_op_dead_letter": [{"stream_seq": 9, "reden": "onverwerkbaar: x", "fout": "NoRespondersError"}],
        },
        {"consument": "beleidsplan-organisaties", "gepauzeerd": False, "wacht_op_dead_letter_aantal": 0},
    ]
    assert status.consumer_problems(consumers) == [
        "consument kpi-projectie gepauzeerd: database: ConnectionRefusedError",
        "consument meldingen-leden: 1 bericht(en) konden niet naar de dead letters"
        " (4 mislukte pogingen; laatste fout: NoRespondersError)",
    ]


async def test_status_shows_a_dead_letter_that_cannot_be_stored(start_service, nats_server):
    from kpi.main import DEFINITION

    async with start_service(DEFINITION, serve_http=True) as kpi:
        health = f"http://127.0.0.1:{kpi.settings.http_port}/kpi/health"
        await kpi.js.delete_stream("DINET_DEADLETTERS")  # every dead-letter publish is refused now
        await kpi.js.publish(
            "dinet.evt.registratie.lid.geregistreerd.v1", b"not json", headers={"Nats-Msg-Id": "kapot"}
        )
        async with httpx.AsyncClient(timeout=status.TIMEOUT + 2, trust_env=False) as client:

            async def reported():
                p = await status.check_service(client, "kpi", health, {})
                return p if "dead letters" in p.detail else None

            part = await wait_until(reported, timeout=10)
        assert part.werkt  # it serves requests; the problem is named, not hidden
        assert "kpi-projectie: 1 bericht(en) konden niet naar de dead letters" in part.detail
        assert status.consumer_problems(part.consumenten)


async def test_status_shows_each_consumers_figures_and_the_outbox_backlog(start_service, nats_server):
    from kpi.main import DEFINITION

    async with start_service(DEFINITION, serve_http=True) as kpi:
        health = f"http://127.0.0.1:{kpi.settings.http_port}/kpi/health"
        await kpi.js.publish("dinet.evt.registratie.lid.geregistreerd.v1", b"not json", headers={"Nats-Msg-Id": "kapot"})
        await wait_until(lambda: kpi.consumers[0].dead_lettered == 1)
        async with httpx.AsyncClient(timeout=status.TIMEOUT + 2, trust_env=False) as client:
            part = await status.check_service(client, "kpi", health, {})
    (rij,) = status.service_figures([{"naam": "kpi", "consumenten": part.consumenten, "relay": part.relay}])
    assert rij == ("kpi", "kpi-projectie", "0", "0", "1", "-", "0")


async def test_status_shows_meldingen_mail_figures(start_service, nats_server, mail_sink):
    import uuid

    from dinet_contracts import wrap
    from dinet_contracts.envelope import CONTENT_TYPE
    from dinet_contracts.events.registratie import LidContactgegevensV2
    from meldingen.main import DEFINITION
    from sqlalchemy import text

    async with start_service(DEFINITION, serve_http=True, smtp_url=mail_sink.url) as meldingen:
        lid_id = uuid.uuid4()
        event = LidContactgegevensV2(lid_id=lid_id, naam="An", email="an@status.example", nieuwsbrief=False,
                                     aanleiding="registratie")
        envelope = wrap(event, source="/dinet/registratie")
        await meldingen.js.publish(event.nats_subject(), envelope.model_dump_json().encode(),
                                   headers={"Nats-Msg-Id": envelope.id, "Content-Type": CONTENT_TYPE})
        await wait_until(lambda: len(list(mail_sink.mail_dir.glob("*.eml"))) == 1, timeout=15)
        async with meldingen.db.transaction() as conn:
            # A held address, and a mail that waits for later.
            await conn.execute(text("UPDATE contact SET geblokkeerd_op = now() WHERE lid_id = :l"), {"l": lid_id})
            await conn.execute(text(
                "INSERT INTO melding (id, lid_id, soort, bron_event_id, volgende_poging_op)"
                " VALUES (gen_random_uuid(), :l, 'herinnering', 'status-test', now() + interval '1 hour')"), {"l": lid_id})
        health = f"http://127.0.0.1:{meldingen.settings.http_port}/meldingen/health"
        verwacht = {"verzonden": 1.0, "gebounced": 0.0, "geblokkeerd": 1.0, "wachtrij": 1.0}

        async def cijfers():
            async with httpx.AsyncClient(timeout=status.TIMEOUT + 2, trust_env=False) as client:
                part = await status.check_service(client, "meldingen", health, {})
                part.mails = await status.mail_figures(client, part.adres)
            return part if part.mails == verwacht else None

        part = await wait_until(cijfers, timeout=15)
    regel = status.mail_line([{"naam": "meldingen", "mails": part.mails}])
    assert regel == ("Mails (meldingen): 1 verzonden en 0 bounces gelezen sinds de start;"
                     " 1 in de wachtrij, 1 adres(sen) geblokkeerd na bounces.")
    rapport = {"dinet_up": None, "datamap": "x", "consumenten": [], "dead_letters": None,
               "onderdelen": [{"naam": "meldingen", "werkt": True, "adres": part.adres, "pid": None, "detail": "",
                               "consumenten": [], "relay": {}, "mails": part.mails}]}
    assert regel in status.render(rapport)
