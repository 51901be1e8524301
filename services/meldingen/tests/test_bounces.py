"""Bounces on real NATS, PostgreSQL and the SMTP sink: the sink answers mail to the reserved
domains with a real DSN (RFC 3464), meldingen reads it, holds the address (one hard bounce, or
three soft ones), announces `melding.gebounced`, and staff release the address."""

from __future__ import annotations

import re
import uuid

from dinet_chassis.embedded import dsn
from dinet_chassis.testing import wait_until
from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts import parse
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.meldingen import MeldingGebounced
from dinet_contracts.events.registratie import LidContactgegevens
from dinet_contracts.topology import EVENTS
from meldingen.store.voorkeuren import zet_voorkeur
from meldingen.use_cases.bouncen import bounce_adres, lees_dsn


def test_dsn_lezen():
    melding_id = uuid.uuid4()
    data = dsn("an@onbestelbaar.example.com", bounce_adres(melding_id), b"Subject: x\r\n\r\nbody",
               status="5.1.1", actie="failed", diagnose="550 5.1.1 onbekend")
    [m] = lees_dsn(data)
    assert (m.melding_id, m.ontvanger, m.status, m.hard) == (melding_id, "an@onbestelbaar.example.com", "5.1.1", True)
    assert lees_dsn(b"Subject: Afwezig\r\n\r\nIk ben met verlof.") == []


async def gebounced(runtime) -> list[MeldingGebounced]:
    sub = await runtime.js.pull_subscribe(MeldingGebounced.subject_template, stream=EVENTS.name)
    try:
        msgs = await sub.fetch(50, timeout=1)
    except Exception:
        return []
    finally:
        await sub.unsubscribe()
    return [parse(m.data).data for m in msgs]


async def test_harde_en_zachte_bounces_blokkeren_en_vrijgeven(dienst, http, h, monkeypatch):
    runtime, bus, mail_dir = dienst
    monkeypatch.setenv("MELDINGEN_BOUNCE_MAP", str(mail_dir / "bounces"))
    hard, zacht = uuid.uuid4(), uuid.uuid4()
    for lid_id, adres in ((hard, "weg@onbestelbaar.example.com"), (zacht, "vol@vol.example.com")):
        await bus.publiceer(LidContactgegevens(lid_id=lid_id, naam="Lid", email=adres, nieuwsbrief=False,
                                               aanleiding="registratie"))

    async def geblokkeerd(lid_id):
        rows = await h.rijen(runtime, "SELECT blokkeer_reden FROM contact WHERE lid_id = :l AND geblokkeerd_op IS NOT NULL",
                             l=lid_id)
        return rows[0]["blokkeer_reden"] if rows else None

    runtime.diensten.bezorger.wake()
    assert await wait_until(lambda: geblokkeerd(hard)) == "harde bounce (5.1.1)"
    assert await geblokkeerd(zacht) is None  # one soft bounce: not yet
    assert not list(mail_dir.glob("*.eml")), "mail aan de gereserveerde domeinen wordt niet bezorgd"

    # Two more mails to the full mailbox: three soft bounces hold it too.
    a = h.activiteit()
    await bus.publiceer(h.als_event(a, act.ActiviteitGeplandV2))
    ids = [uuid.uuid4(), uuid.uuid4()]
    await bus.publiceer(h.inschrijving(a, zacht, "ingeschreven", 1, ids[0]))
    await bus.publiceer(h.inschrijving(a, zacht, "geannuleerd", 2, ids[0]))
    assert await wait_until(lambda: geblokkeerd(zacht), timeout=20) == "3 zachte bounce (4.2.2)"
    events = await wait_until(lambda: _minstens(runtime, 4))
    assert sorted((e.lid_id == hard, e.soort, e.adres_geblokkeerd) for e in events) == [
        (False, "zacht", False), (False, "zacht", False), (False, "zacht", True), (True, "hard", True)]

    # Held: no invitations; operational mail still goes (and bounces again).
    async with runtime.db.transaction() as conn:
        await zet_voorkeur(conn, hard, "per_mail")
    b = h.activiteit()
    await bus.publiceer(h.als_event(b, act.ActiviteitGeplandV2))
    overgeslagen = await wait_until(lambda: h.rijen(
        runtime, "SELECT reden FROM melding WHERE lid_id = :l AND soort = 'uitnodiging' AND status = 'overgeslagen'", l=hard))
    assert overgeslagen[0]["reden"] == "adres geblokkeerd na bounces"

    # Staff see it in the delivery log and release it.
    client = http(runtime, follow_redirects=False)
    wie = Identiteit(sub="medewerker-test", naam="Mia", rollen=frozenset({Rol.MEDEWERKER}))
    client.cookies.set(COOKIE, maak_cookie(wie, runtime.settings.secret_key))
    pagina = await client.get("/meldingen/beheer/bezorging")
    assert pagina.status_code == 200 and str(hard) in pagina.text and "harde bounce (5.1.1)" in pagina.text
    assert "weg@onbestelbaar.example.com" not in pagina.text, "geen adressen in het bezorglog"
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)
    r = await client.post(f"/meldingen/beheer/bezorging/vrijgeven/{hard}", data={"_csrf_token": csrf})
    assert r.status_code == 303 and await geblokkeerd(hard) is None

    # The same figures for Prometheus: mails sent and bounces read.
    figuren = (await client.get("/meldingen/metrics")).text
    verzonden = re.search(r"^dinet_meldingen_mails_sent_total (\S+)$", figuren, re.M)
    gebounced = re.search(r"^dinet_meldingen_mails_bounced_total (\S+)$", figuren, re.M)
    assert verzonden and float(verzonden.group(1)) >= 4, figuren
    assert gebounced and float(gebounced.group(1)) >= 4, figuren


async def _minstens(runtime, aantal):
    lijst = await gebounced(runtime)
    return lijst if len(lijst) >= aantal else None
