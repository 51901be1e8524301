"""What meldingen's tests share: the service with a bus that publishes like registratie's relay,
event builders, and the sink's mails parsed strictly (stdlib parser, icalendar for attachments)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import policy
from email.parser import BytesParser

import icalendar
import nats
import pytest
from dinet_chassis.testing import wait_until
from dinet_contracts import wrap
from dinet_contracts.envelope import CONTENT_TYPE
from dinet_contracts.events import activiteiten as act
from dinet_contracts.events.registratie import LidContactgegevens
from dinet_contracts.types import ActiviteitSoort, ActiviteitStatus, OrganisatieType, Trekker, Vorm
from types import SimpleNamespace
from meldingen.main import DEFINITION
from sqlalchemy import text

SOURCE = "/dinet/registratie"
ORG = uuid.uuid4()


class Bus:
    """Publishes as registratie's relay does: the envelope as JSON, Nats-Msg-Id = event id."""

    def __init__(self, nc, mail_dir) -> None:
        self.js = nc.jetstream()
        self.mail_dir = mail_dir

    async def publiceer(self, event, *, msg_id: str | None = None):
        envelope = wrap(event, source=SOURCE)
        await self.js.publish(
            event.nats_subject(), envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or envelope.id, "Content-Type": CONTENT_TYPE},
        )
        return envelope


@pytest.fixture
async def dienst(start_service, nats_server, mail_sink):
    async with start_service(DEFINITION, smtp_url=mail_sink.url) as runtime:
        nc = await nats.connect(nats_server.url)
        try:
            yield runtime, Bus(nc, mail_sink.mail_dir), mail_sink.mail_dir
        finally:
            await nc.close()


def activiteit(
    *, activiteit_id=None, versie=1, start=None, status=ActiviteitStatus.GEPLAND, vorm=Vorm.FYSIEK,
    soort=ActiviteitSoort.INFOSESSIE, **extra,
) -> act.ActiviteitV2:
    begin = start or datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    return act.ActiviteitV2(
        activiteit_id=activiteit_id or uuid.uuid4(), versie=versie, soort=soort, titel="Infosessie digitaal loket",
        organisator_id=ORG, trekker=Trekker.VVSG, vorm=vorm, start=begin, einde=begin + timedelta(hours=2),
        duur_uren=Decimal("2"), status=status,
        plaats=extra.pop("plaats", "Zaal De Markt, Gent" if vorm is Vorm.FYSIEK else None),
        deelnamelink=extra.pop("deelnamelink", "https://meet.example.org/abc" if vorm is Vorm.ONLINE else None),
        **extra,
    )


def als_event(a: act.ActiviteitV2, cls):
    return cls(activiteit_id=a.activiteit_id, activiteit=a)


def inschrijving(a, lid_id, status, versie, inschrijving_id):
    return act.InschrijvingGewijzigd(
        inschrijving_id=inschrijving_id, versie=versie, activiteit_id=a.activiteit_id, lid_id=lid_id,
        organisatie_id=ORG, organisatie_type=OrganisatieType.LOKAAL_BESTUUR, status=status,
        gewijzigd_op=datetime.now(UTC),
    )


async def lid(bus: Bus, naam: str) -> tuple[uuid.UUID, str]:
    lid_id = uuid.uuid4()
    email = f"{''.join(c for c in naam.lower() if c.isalnum())}.{lid_id.hex[:6]}@gemeente.be"
    await bus.publiceer(LidContactgegevens(lid_id=lid_id, naam=naam, email=email, nieuwsbrief=False, aanleiding="registratie"))
    # The welcome comes through another consumer: wait for it, so later mails have a known order.
    await wacht_op(bus.mail_dir, email, 1)
    return lid_id, email


def mails(mail_dir, email: str | None = None) -> list[dict]:
    """Every mail in the sink, oldest first, parsed strictly (a defect raises)."""
    uit = []
    paden = sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if mail_dir.exists() else []
    for path in paden:
        msg = BytesParser(policy=policy.strict).parsebytes(path.read_bytes())
        assert not msg.defects, msg.defects
        if email is None or email in str(msg["To"]):
            tekst = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            agenda = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
            uit.append({"msg": msg, "onderwerp": str(msg["Subject"]), "tekst": tekst, "html": html,
                        "ical": [icalendar.Calendar.from_ical(p.get_content()) for p in agenda]})
    return uit


async def wacht_op(mail_dir, email: str, aantal: int, timeout: float = 15) -> list[dict]:
    async def genoeg():
        gevonden = mails(mail_dir, email)
        return gevonden if len(gevonden) >= aantal else None

    return await wait_until(genoeg, timeout=timeout)


def vevent(mail: dict):
    assert len(mail["ical"]) == 1, "precies één agenda-bijlage"
    events = mail["ical"][0].walk("VEVENT")
    assert len(events) == 1
    return events[0]


async def rijen(runtime, sql: str, **params) -> list[dict]:
    async with runtime.db.engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]



@pytest.fixture
def h():
    """The helpers above, for the test modules (which cannot import each other)."""
    return SimpleNamespace(
        activiteit=activiteit, als_event=als_event, inschrijving=inschrijving, lid=lid, mails=mails,
        wacht_op=wacht_op, vevent=vevent, rijen=rijen, ORG=ORG,
    )
