"""The newsletter: issues composed from blocks, sent to a segment, throttled, resumable, counted.

Sending has three steps, each one transaction, so a crash at any point loses or repeats nothing:
1. `verzend` freezes the content (what every recipient and the archive get) and sets the moment;
2. `start_verzending` (the worker, when the moment has come) writes one mail row per recipient of
   the segment: from then on the recipients are fixed, and each row is sent once by the worker
   like any other mail (locked while in SMTP, marked sent in the same transaction);
3. `rond_af` (the worker, when no row waits any more) marks the issue sent and publishes
   `NieuwsbriefVerzonden` with the number of recipients it reached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from uuid import UUID

from dinet_chassis import outbox
from dinet_chassis.errors import Conflict, DomainError, FieldProblem, NotFound
from dinet_contracts.events.meldingen import NieuwsbriefVerzonden
from dinet_contracts.events.registratie import LidGeregistreerd, LidOrganisatieGewijzigd, OrganisatieBijgewerkt
from dinet_contracts.types import ActiviteitSoort
from markdown_it import MarkdownIt
from dinet_chassis.uow import UnitOfWork
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.ical import pagina_url
from ..domain.sjablonen import wanneer
from ..store import MeldingenUoW
from ..store.nieuwsbrieven import NieuwsbriefStore, Nummer, als_dict_of_lijst
from .activiteiten import PUBLIEKE_SOORTEN

ARCHIEFPAD = "/meldingen/nieuwsbrieven"
PROVINCIES = ("Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen", "Brussel")
GROOTTEKLASSEN = ("klein", "middelgroot", "groot")
ACTIVITEITEN_VENSTER = timedelta(days=60)
PRAKTIJKEN_VENSTER = timedelta(days=60)

# Safe Markdown: raw HTML is shown as text, and link targets are checked (no javascript: URLs).
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown_html(bron: str) -> str:
    return _markdown.render(bron or "")


# --- organisation facts for segments (ops in handlers.HANDLERS) ---------------------


async def lid_geregistreerd(e: LidGeregistreerd, uow: UnitOfWork) -> None:
    conn = uow.conn
    await conn.execute(
        text(
            "INSERT INTO lid_organisatie (lid_id, organisatie_id, organisatie_type) VALUES (:l, :o, :t)"
            " ON CONFLICT (lid_id) DO NOTHING"
        ),
        {"l": e.lid_id, "o": e.organisatie_id, "t": e.organisatie_type.value},
    )


async def lid_organisatie_gewijzigd(e: LidOrganisatieGewijzigd, uow: UnitOfWork) -> None:
    conn = uow.conn
    await conn.execute(
        text(
            "INSERT INTO lid_organisatie (lid_id, organisatie_id, organisatie_type) VALUES (:l, :o, :t)"
            " ON CONFLICT (lid_id) DO UPDATE SET organisatie_id = EXCLUDED.organisatie_id,"
            " organisatie_type = EXCLUDED.organisatie_type"
        ),
        {"l": e.lid_id, "o": e.organisatie_id, "t": e.organisatie_type.value},
    )


async def organisatie_bijgewerkt(e: OrganisatieBijgewerkt, uow: UnitOfWork) -> None:
    conn = uow.conn
    await conn.execute(
        text(
            "INSERT INTO organisatie (organisatie_id, versie, type, provincie, grootteklasse) VALUES (:o, :v, :t, :p, :g)"
            " ON CONFLICT (organisatie_id) DO UPDATE SET versie = EXCLUDED.versie, type = EXCLUDED.type,"
            " provincie = EXCLUDED.provincie, grootteklasse = EXCLUDED.grootteklasse"
            " WHERE organisatie.versie < EXCLUDED.versie"
        ),
        {"o": e.organisatie_id, "v": e.versie, "t": e.type.value, "p": e.provincie, "g": e.grootteklasse},
    )


# --- issues ------------------------------------------------------------------------------------


async def inhoud(bron: AsyncConnection | NieuwsbriefStore, nummer: Nummer, public_url: str,
                 nu: datetime | None = None) -> tuple[str, str]:
    """The issue's body (HTML fragment, plain text) from its blocks, with today's activities."""
    nieuwsbrieven = NieuwsbriefStore(bron) if isinstance(bron, AsyncConnection) else bron
    nu = nu or datetime.now(UTC)
    html_delen: list[str] = []
    tekst_delen: list[str] = []
    for blok in nummer.blokken:
        soort = blok.get("soort")
        if soort == "tekst" and (blok.get("markdown") or "").strip():
            html_delen.append(markdown_html(blok["markdown"]))
            tekst_delen.append(blok["markdown"].strip())
        elif soort == "activiteiten":
            items = await nieuwsbrieven.komende_activiteiten(nu, nu + ACTIVITEITEN_VENSTER, [s.value for s in PUBLIEKE_SOORTEN])
            if items:
                html_delen.append(
                    "<h2>Komende activiteiten</h2>\n<ul>\n"
                    + "".join(
                        f'<li><a href="{escape(pagina_url(public_url, a["activiteit_id"]))}">{escape(a["titel"])}</a>: '
                        f'{escape(wanneer(datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["einde"])))}</li>\n'
                        for a in items
                    )
                    + "</ul>"
                )
                tekst_delen.append(
                    "KOMENDE ACTIVITEITEN\n"
                    + "\n".join(
                        f'- {a["titel"]}: {wanneer(datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["einde"]))}\n'
                        f'  {pagina_url(public_url, a["activiteit_id"])}'
                        for a in items
                    )
                )
        elif soort == "praktijken":
            items = await nieuwsbrieven.nieuwe_praktijken(
                nu - PRAKTIJKEN_VENSTER, [ActiviteitSoort.GOEDE_PRAKTIJK.value, ActiviteitSoort.ARTIKEL_LOKAAL.value]
            )
            if items:

                def link(a: dict) -> str:
                    return a.get("url") or pagina_url(public_url, a["activiteit_id"])

                html_delen.append(
                    "<h2>Nieuwe goede praktijken en artikels in Lokaal</h2>\n<ul>\n"
                    + "".join(f'<li><a href="{escape(link(a))}">{escape(a["titel"])}</a></li>\n' for a in items)
                    + "</ul>"
                )
                tekst_delen.append(
                    "NIEUWE GOEDE PRAKTIJKEN EN ARTIKELS IN LOKAAL\n"
                    + "\n".join(f'- {a["titel"]}\n  {link(a)}' for a in items)
                )
    return "\n".join(html_delen), "\n\n".join(tekst_delen)


def _segment_sql(segment: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    waar = ["c.nieuwsbrief_gewenst", "c.nieuwsbrief_bevestigd_op IS NOT NULL"]
    params: dict[str, Any] = {}
    if segment.get("organisatie_type"):
        waar.append("lo.organisatie_type = ANY(:types)")
        params["types"] = list(segment["organisatie_type"])
    if segment.get("provincie"):
        waar.append("o.provincie = ANY(:provincies)")
        params["provincies"] = list(segment["provincie"])
    if segment.get("grootteklasse"):
        waar.append("o.grootteklasse = ANY(:klassen)")
        params["klassen"] = list(segment["grootteklasse"])
    sql = (
        " FROM contact c LEFT JOIN lid_organisatie lo ON lo.lid_id = c.lid_id"
        " LEFT JOIN organisatie o ON o.organisatie_id = lo.organisatie_id WHERE " + " AND ".join(waar)
    )
    return sql, params


async def tel_ontvangers(conn: AsyncConnection, segment: dict[str, list[str]]) -> int:
    sql, params = _segment_sql(segment)
    return int((await conn.execute(text("SELECT count(*)" + sql), params)).scalar() or 0)


async def start_verzending(conn: AsyncConnection) -> list[UUID]:
    """Fix the recipients of every issue whose moment has come: one mail row each."""
    klaar = (
        await conn.execute(
            text(
                "SELECT id, segment FROM nieuwsbrief WHERE status = 'gepland' AND gepland_op <= now()"
                " ORDER BY gepland_op FOR UPDATE SKIP LOCKED"
            )
        )
    ).all()
    gestart = []
    for nummer_id, segment in klaar:
        sql, params = _segment_sql(als_dict_of_lijst(segment))
        result = await conn.execute(
            text(
                "INSERT INTO melding (id, lid_id, soort, bron_event_id, gegevens)"
                " SELECT gen_random_uuid(), c.lid_id, 'nieuwsbrief', :sleutel, CAST(:gegevens AS jsonb)" + sql
                + " ON CONFLICT (lid_id, soort, bron_event_id) DO NOTHING"
            ),
            {**params, "sleutel": f"nieuwsbrief:{nummer_id}", "gegevens": json.dumps({"nieuwsbrief_id": str(nummer_id)})},
        )
        await conn.execute(
            text("UPDATE nieuwsbrief SET status = 'verzenden', aantal_ontvangers = :n WHERE id = :id"),
            {"id": nummer_id, "n": result.rowcount},
        )
        gestart.append(nummer_id)
    return gestart


async def voortgang(conn: AsyncConnection, nummer_id: UUID) -> dict[str, int]:
    rows = (
        await conn.execute(
            text(
                "SELECT status, count(*) FROM melding WHERE soort = 'nieuwsbrief'"
                " AND gegevens ->> 'nieuwsbrief_id' = :id GROUP BY status"
            ),
            {"id": str(nummer_id)},
        )
    ).all()
    telling = {"wachtend": 0, "verzonden": 0, "mislukt": 0, "overgeslagen": 0}
    telling.update({r[0]: int(r[1]) for r in rows})
    return telling


async def rond_af(conn: AsyncConnection, source: str) -> list[UUID]:
    """Issues whose every mail is handled: mark sent and announce how many received it."""
    bezig = (
        await conn.execute(text("SELECT id, titel FROM nieuwsbrief WHERE status = 'verzenden' FOR UPDATE SKIP LOCKED"))
    ).all()
    klaar = []
    for nummer_id, titel in bezig:
        telling = await voortgang(conn, nummer_id)
        if telling["wachtend"]:
            continue
        verzonden_op = (
            await conn.execute(
                text(
                    "UPDATE nieuwsbrief SET status = 'verzonden', verzonden_op = now(), aantal_ontvangers = :n"
                    " WHERE id = :id RETURNING verzonden_op"
                ),
                {"id": nummer_id, "n": telling["verzonden"]},
            )
        ).scalar_one()
        await outbox.add(
            conn,
            NieuwsbriefVerzonden(
                nieuwsbrief_id=nummer_id, titel=titel, verzonden_op=verzonden_op, aantal_ontvangers=telling["verzonden"]
            ),
            source=source,
        )
        klaar.append(nummer_id)
    return klaar


async def per_minuut_nu(conn: AsyncConnection) -> int | None:
    """The throttle for newsletter mail now: the strictest of the issues being sent."""
    return (await conn.execute(text("SELECT min(per_minuut) FROM nieuwsbrief WHERE status = 'verzenden'"))).scalar()


def mail_html(titel: str, naam: str | None, inhoud_html: str, *, webversie: str, afmelden: str | None,
              voorkeuren: str | None) -> str:
    groet = f"<p>Beste {escape(naam)},</p>\n" if naam else ""
    voet = [f'<p><a href="{escape(webversie)}">Lees deze nieuwsbrief in je browser</a>.</p>']
    if afmelden:
        voet.append(
            f'<p>Je krijgt deze nieuwsbrief omdat je erom vroeg. <a href="{escape(afmelden)}">Afmelden voor de nieuwsbrief</a>'
            + (f' of <a href="{escape(voorkeuren)}">kies welke mails je krijgt</a>' if voorkeuren else "")
            + ".</p>"
        )
    voet.append('<p>Vragen? Bel VVSG op <a href="tel:+3222115500">02 211 55 00</a>.</p>')
    return f"<h1>{escape(titel)}</h1>\n{groet}{inhoud_html}\n<hr>\n" + "\n".join(voet)


def mail_tekst(titel: str, naam: str | None, inhoud_tekst: str, *, webversie: str, afmelden: str | None,
               voorkeuren: str | None = None) -> str:
    delen = [titel.upper(), f"Beste {naam}," if naam else "", inhoud_tekst, "---", f"Lees deze nieuwsbrief in je browser: {webversie}"]
    if afmelden:
        delen.append(f"Afmelden voor de nieuwsbrief: {afmelden}")
    if voorkeuren:
        delen.append(f"Kies welke mails je krijgt: {voorkeuren}")
    delen.append("Vragen? Bel VVSG op 02 211 55 00.")
    return "\n\n".join(d for d in delen if d) + "\n"


def webversie_url(public_url: str, nummer_id: UUID) -> str:
    return f"{public_url.rstrip('/')}{ARCHIEFPAD}/{nummer_id}"


# --- use cases -----------------------------------------------------------------------------------
# Staff change an issue until it goes out; from then on what went out is fixed. The refusals are
# the API's stable codes (the web layer's table turns them into 404 / 409 / 502).


def onbekend(nummer_id: UUID) -> NotFound:
    melding = "Deze nieuwsbrief bestaat niet."
    return NotFound("onbekende_nieuwsbrief", melding, problemen=[FieldProblem("nummer_id", "onbekende_nieuwsbrief", melding)])


def al_verstuurd() -> Conflict:
    return Conflict(
        "al_verstuurd", "Deze nieuwsbrief is al verstuurd of wordt nu verstuurd.",
        problemen=[FieldProblem("status", "al_verstuurd", "Deze nieuwsbrief is al verstuurd of wordt nu verstuurd.")],
    )


class TestmailGeweigerd(DomainError):
    """The mail server refused the test mail: nothing of ours is wrong, the reason is theirs."""


@dataclass(frozen=True)
class MaakNummer:
    titel: str
    blokken: list[dict] | None = None
    segment: dict | None = None
    per_minuut: int = 600


@dataclass(frozen=True)
class WijzigNummer:
    nummer_id: UUID
    titel: str
    blokken: list[dict]
    segment: dict
    per_minuut: int


@dataclass(frozen=True)
class VerzendNummer:
    nummer_id: UUID
    public_url: str
    op: datetime | None = None  # None: now


async def maak_nummer(cmd: MaakNummer, uow: MeldingenUoW) -> Nummer:
    async with uow:
        nummer_id = await uow.nieuwsbrieven.maak(cmd.titel, blokken=cmd.blokken, segment=cmd.segment,
                                                 per_minuut=cmd.per_minuut)
        nummer = await uow.nieuwsbrieven.lees(nummer_id)
    assert nummer is not None
    return nummer


async def _wijzigbaar(uow: MeldingenUoW, nummer_id: UUID) -> Nummer:
    nummer = await uow.nieuwsbrieven.lees(nummer_id, voor_update=True)
    if nummer is None:
        raise onbekend(nummer_id)
    if nummer.status not in ("concept", "gepland"):
        raise al_verstuurd()
    return nummer


async def wijzig_nummer(cmd: WijzigNummer, uow: MeldingenUoW) -> Nummer:
    """A changed issue is a concept again: a planned moment is dropped until it is sent anew."""
    async with uow:
        await _wijzigbaar(uow, cmd.nummer_id)
        await uow.nieuwsbrieven.bewaar_concept(cmd.nummer_id, titel=cmd.titel, blokken=cmd.blokken,
                                               segment=cmd.segment, per_minuut=cmd.per_minuut)
        nummer = await uow.nieuwsbrieven.lees(cmd.nummer_id)
    assert nummer is not None
    return nummer


async def verzend_nummer(cmd: VerzendNummer, uow: MeldingenUoW) -> Nummer:
    """Freeze the content and set when it goes out (now, or `op`); the worker, woken by the
    commit, takes it from there."""
    async with uow:
        nummer = await _wijzigbaar(uow, cmd.nummer_id)
        html, tekst = await inhoud(uow.nieuwsbrieven, nummer, cmd.public_url, uow.now())
        await uow.nieuwsbrieven.plan(cmd.nummer_id, op=cmd.op or uow.now(), html=html, tekst=tekst)
        nummer = await uow.nieuwsbrieven.lees(cmd.nummer_id)
    assert nummer is not None
    return nummer
