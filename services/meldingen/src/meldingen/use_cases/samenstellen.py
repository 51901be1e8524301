"""Composing a planned mail at sending time, from its rule, its template and the newest data.

Checked again here, because time passes between planning and sending: the rule may have been
switched off, the member may have cancelled before the reminder's day or changed their choice,
the activity may have moved. Such a mail is skipped (`Overslaan`) or put off (`Later`), never sent
stale.
"""

from __future__ import annotations

import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from uuid import UUID

from dinet_contracts.events.activiteiten import ActiviteitV2
from dinet_contracts.types import ActiviteitStatus, Vorm
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import MET_AGENDA, TOKEN_GELDIGHEID, UIT_AGENDA, Soort, ical
from ..domain.afmelden import afmeldlink, voorkeurenlink
from ..domain.mails import AFZENDER, AFZENDER_ADRES, bevestigingslink, message_id
from ..domain.sjablonen import STANDAARD, Sjabloon, SjabloonFout, opmaak, render, wanneer
from ..smtp import RuweMail
from .activiteiten import PUBLIEKE_SOORTEN, als_dict, herinnering_op, lees_activiteit
from .bouncen import bounce_adres
from .nieuwsbrief import mail_html, mail_tekst, webversie_url


@dataclass(frozen=True)
class Overslaan:
    reden: str


@dataclass(frozen=True)
class Later:
    op: datetime


@dataclass(frozen=True)
class Regel:
    soort: str
    actief: bool
    doel: str
    uren: int | None
    sjabloon: Sjabloon


async def lees_regel(conn: AsyncConnection, soort: str, cache: dict[str, Regel | None] | None = None) -> Regel | None:
    """The rule and template of a kind of mail; `cache`: one lookup per batch, not per mail."""
    if cache is not None:
        if soort not in cache:
            cache[soort] = await lees_regel(conn, soort)
        return cache[soort]
    row = (
        await conn.execute(
            text(
                "SELECT r.soort, r.actief, r.doel, r.uren, s.onderwerp, s.tekst, s.html"
                " FROM regel r LEFT JOIN sjabloon s ON s.soort = r.soort WHERE r.soort = :s"
            ),
            {"s": soort},
        )
    ).mappings().first()
    if row is None:
        return None
    sjabloon = (
        Sjabloon(row["onderwerp"], row["tekst"], row["html"]) if row["onderwerp"] is not None else STANDAARD.get(soort)
    )
    return Regel(row["soort"], row["actief"], row["doel"], row["uren"], sjabloon)  # type: ignore[arg-type]


def activiteit_context(a: ActiviteitV2, public_url: str) -> dict[str, Any]:
    return {
        "titel": a.titel,
        "wanneer": wanneer(a.start, a.einde),
        "online": a.vorm is Vorm.ONLINE,
        "plaats": a.plaats,
        "deelnamelink": a.deelnamelink,
        "beschrijving": a.beschrijving,
        "pagina": ical.pagina_url(public_url, a.activiteit_id),
    }


async def _inschrijvingsstatus(conn: AsyncConnection, lid_id: Any, activiteit_id: Any) -> str | None:
    return (
        await conn.execute(
            text("SELECT status FROM inschrijving WHERE lid_id = :l AND activiteit_id = :a ORDER BY versie DESC LIMIT 1"),
            {"l": lid_id, "a": activiteit_id},
        )
    ).scalar()


async def _uitnodigingen(conn: AsyncConnection, lid_id: Any) -> str:
    keuze = (await conn.execute(text("SELECT uitnodigingen FROM voorkeur WHERE lid_id = :l"), {"l": lid_id})).scalar()
    return keuze or "geen"


async def _nieuwe_activiteiten(conn: AsyncConnection, van: str, tot: str, public_url: str) -> list[dict[str, Any]]:
    rows = (
        await conn.execute(
            text(
                "SELECT snapshot FROM activiteit WHERE eerst_gezien >= :van"
                " AND eerst_gezien < :tot AND status = 'gepland' AND start > now()"
                " AND soort = ANY(:soorten) ORDER BY start"
            ),
            {"van": datetime.fromisoformat(van), "tot": datetime.fromisoformat(tot), "soorten": [s.value for s in PUBLIEKE_SOORTEN]},
        )
    ).all()
    return [activiteit_context(ActiviteitV2.model_validate(als_dict(r[0])), public_url) for r in rows]


# An issue's content is frozen before its first mail: safe to keep per process while sending.
_INHOUD: dict[str, tuple[str, str, str]] = {}


async def _nieuwsbriefmail(
    conn: AsyncConnection, melding: Any, regel: Regel, *, public_url: str, secret: str, nu: datetime
) -> RuweMail | Overslaan:
    if not melding.nieuwsbrief_gewenst:
        return Overslaan("het lid wil de nieuwsbrief niet meer")
    nummer_id = als_dict(melding.gegevens)["nieuwsbrief_id"]
    if nummer_id not in _INHOUD:
        row = (
            await conn.execute(
                text("SELECT titel, inhoud_html, inhoud_tekst FROM nieuwsbrief WHERE id = :id AND inhoud_html IS NOT NULL"),
                {"id": nummer_id},
            )
        ).first()
        if row is None:
            return Overslaan("nieuwsbrief onbekend")
        if len(_INHOUD) > 50:
            _INHOUD.clear()
        _INHOUD[nummer_id] = (row[0], row[1], row[2])
    titel, inhoud_html, inhoud_tekst = _INHOUD[nummer_id]
    return ruw_nieuwsbriefbericht(
        message_id_=message_id(melding.id), naam=melding.naam, email=melding.email, titel=titel,
        inhoud_html=inhoud_html, inhoud_tekst=inhoud_tekst, public_url=public_url, nummer_id=nummer_id,
        afmelden=afmeldlink(public_url, secret, melding.lid_id, "nieuwsbrief"),
        voorkeuren=voorkeurenlink(public_url, secret, melding.lid_id), nu=nu,
    )


def ruw_nieuwsbriefbericht(
    *, message_id_: str, naam: str | None, email: str, titel: str, inhoud_html: str, inhoud_tekst: str,
    public_url: str, nummer_id: Any, afmelden: str | None, voorkeuren: str | None, nu: datetime,
) -> RuweMail:
    """The same mail as `nieuwsbriefbericht`, written out directly as MIME (RFC 2045/2046).

    A newsletter is thousands of copies of one text: the stdlib's `EmailMessage` parses and
    refolds every header of every copy, which costs more than the SMTP transaction itself.
    Here the parts are quoted-printable encoded by `binascii` and the headers are built once
    per mail; the tests read every such mail back with the stdlib parser in strict mode."""
    webversie = webversie_url(public_url, nummer_id)
    tekst = mail_tekst(titel, naam, inhoud_tekst, webversie=webversie, afmelden=afmelden, voorkeuren=voorkeuren)
    html = opmaak(titel, mail_html(titel, naam, inhoud_html, webversie=webversie, afmelden=afmelden, voorkeuren=voorkeuren))
    grens = f"=_dinet_{uuid.uuid4().hex}"
    koppen = [
        f"From: {AFZENDER}",
        f"To: {formataddr((naam, email), charset='utf-8') if naam else email}",
        f"Subject: {Header(titel, 'utf-8', maxlinelen=76).encode() if not titel.isascii() else titel}",
        f"Date: {format_datetime(nu)}",
        f"Message-ID: {message_id_}",
        "Auto-Submitted: auto-generated",
        "Precedence: bulk",
    ]
    if afmelden:
        koppen += [f"List-Unsubscribe: <{afmelden}>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    koppen += ["MIME-Version: 1.0", "Content-Language: nl", f'Content-Type: multipart/alternative; boundary="{grens}"']
    delen = []
    for subtype, inhoud in (("plain", tekst), ("html", html)):
        gecodeerd = binascii.b2a_qp(inhoud.encode("utf-8"), istext=True).decode("ascii")
        delen.append(
            f"--{grens}\nContent-Type: text/{subtype}; charset=\"utf-8\"\n"
            f"Content-Transfer-Encoding: quoted-printable\n\n{gecodeerd}\n"
        )
    data = ("\n".join(koppen) + "\n\n" + "".join(delen) + f"--{grens}--\n").encode("ascii")
    return RuweMail(afzender=bounce_adres(UUID(message_id_.split(".", 1)[1].split("@")[0]))
                    if message_id_.startswith("<melding.") else AFZENDER_ADRES, ontvangers=(email,), data=data)


def nieuwsbriefbericht(
    *, message_id_: str, naam: str | None, email: str, titel: str, inhoud_html: str, inhoud_tekst: str,
    public_url: str, nummer_id: Any, afmelden: str | None, voorkeuren: str | None, nu: datetime, onderwerp: str | None = None,
) -> EmailMessage:
    webversie = webversie_url(public_url, nummer_id)
    msg = EmailMessage()
    msg["From"] = AFZENDER
    msg["To"] = formataddr((naam, email)) if naam else email
    msg["Subject"] = _kopregel(onderwerp or titel)
    msg["Date"] = format_datetime(nu)
    msg["Message-ID"] = message_id_
    msg["Auto-Submitted"] = "auto-generated"
    msg["Precedence"] = "bulk"
    if afmelden:
        msg["List-Unsubscribe"] = f"<{afmelden}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail_tekst(titel, naam, inhoud_tekst, webversie=webversie, afmelden=afmelden))
    msg.add_alternative(
        opmaak(titel, mail_html(titel, naam, inhoud_html, webversie=webversie, afmelden=afmelden, voorkeuren=voorkeuren)),
        subtype="html",
    )
    msg["Content-Language"] = "nl"
    return msg


async def stel_op(
    conn: AsyncConnection, melding: Any, *, public_url: str, secret: str, nu: datetime | None = None,
    regels: dict[str, Regel | None] | None = None,
) -> EmailMessage | RuweMail | Overslaan | Later:
    nu = nu or datetime.now(UTC)
    if melding.naam is None or melding.email is None:
        return Overslaan("geen contactgegevens meer voor dit lid")
    regel = await lees_regel(conn, melding.soort.value, regels)
    if regel is None:
        return Overslaan("geen regel voor deze soort mail")
    if not regel.actief:
        return Overslaan("regel staat uit")
    soort = melding.soort
    if regel.doel != "operationeel" and getattr(melding, "geblokkeerd_op", None) is not None:
        return Overslaan("adres geblokkeerd na bounces")
    if soort is Soort.NIEUWSBRIEF:  # composed by staff per issue, not from a template
        return await _nieuwsbriefmail(conn, melding, regel, public_url=public_url, secret=secret, nu=nu)
    if regel.sjabloon is None:
        return Overslaan("geen sjabloon voor deze soort mail")
    context: dict[str, Any] = {"naam": melding.naam, "voorkeuren_url": voorkeurenlink(public_url, secret, melding.lid_id)}
    a: ActiviteitV2 | None = None
    if melding.activiteit_id is not None:
        a = await lees_activiteit(conn, melding.activiteit_id)
        if a is None:
            return Overslaan("activiteit onbekend")
        context["activiteit"] = activiteit_context(a, public_url)

    if soort is Soort.HERINNERING:
        assert a is not None
        if a.status is not ActiviteitStatus.GEPLAND or a.start <= nu:
            return Overslaan("activiteit gaat niet (meer) door")
        if await _inschrijvingsstatus(conn, melding.lid_id, a.activiteit_id) != "ingeschreven":
            return Overslaan("niet meer ingeschreven")
        gepland = herinnering_op(a, regel.uren)
        if gepland > nu + timedelta(minutes=1):
            return Later(gepland)  # the activity moved later since the reminder was planned
    elif soort is Soort.UITNODIGING:
        assert a is not None
        if await _uitnodigingen(conn, melding.lid_id) != "per_mail":
            return Overslaan("het lid wil geen uitnodigingen per mail")
        if a.status is not ActiviteitStatus.GEPLAND or a.start <= nu:
            return Overslaan("activiteit gaat niet (meer) door")
    elif soort is Soort.WEEKOVERZICHT:
        if await _uitnodigingen(conn, melding.lid_id) != "wekelijks":
            return Overslaan("het lid wil geen wekelijks overzicht")
        gegevens = als_dict(melding.gegevens)
        context["activiteiten"] = await _nieuwe_activiteiten(conn, gegevens["van"], gegevens["tot"], public_url)
        if not context["activiteiten"]:
            return Overslaan("geen nieuwe activiteiten meer")
    elif soort is Soort.FEEDBACK_VRAAG:
        assert a is not None
        context["feedback_url"] = f"{ical.pagina_url(public_url, a.activiteit_id)}/feedback"
    elif soort is Soort.WELKOM:
        context["nieuwsbrief"] = bool(melding.nieuwsbrief_gewenst)
    elif soort is Soort.NIEUWSBRIEF_BEVESTIGING:
        if not melding.nieuwsbrief_gewenst:
            return Overslaan("het lid wil de nieuwsbrief niet meer")
        if melding.token is None:
            return Overslaan("geen bevestigingstoken bewaard")
        context["bevestigingslink"] = bevestigingslink(public_url, melding.token)
        context["dagen"] = TOKEN_GELDIGHEID.days

    try:
        gerenderd = render(regel.sjabloon, context)
    except SjabloonFout as fout:
        return Overslaan(f"sjabloon werkt niet: {fout}")

    msg = EmailMessage()
    msg["From"] = AFZENDER
    msg["To"] = formataddr((melding.naam, melding.email))
    msg["Subject"] = _kopregel(gerenderd.onderwerp)
    msg["Date"] = format_datetime(nu)
    msg["Message-ID"] = message_id(melding.id)
    msg["Auto-Submitted"] = "auto-generated"
    if regel.doel != "operationeel":
        # RFC 2369 + RFC 8058: one click in the mail program withdraws this purpose, no sign-in.
        msg["List-Unsubscribe"] = f"<{afmeldlink(public_url, secret, melding.lid_id, regel.doel)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(gerenderd.tekst)
    msg.add_alternative(gerenderd.html, subtype="html")
    if a is not None and soort in MET_AGENDA:
        msg.add_attachment(
            ical.als_ical(a, public_url, geannuleerd=soort in UIT_AGENDA, nu=nu),
            maintype="text",
            subtype="calendar",
            filename="activiteit.ics",
            params={"method": "PUBLISH"},
        )
    msg["Content-Language"] = "nl"
    return msg


def _kopregel(tekst: str) -> str:
    """A subject on one line: a title may hold characters Python's mail package reads as a line
    break (tab, U+001C-U+001F, U+2028), which a header may not contain."""
    return " ".join(tekst.split())
