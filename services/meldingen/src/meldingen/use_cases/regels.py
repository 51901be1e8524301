"""Staff's settings: a rule switched on or off or retimed (planned reminders move with it), a
template replaced (only one that renders on sample data) or restored to the built-in one."""

from __future__ import annotations

from dataclasses import dataclass

from dinet_chassis.errors import FieldProblem, Invalid

from ..domain.sjablonen import Sjabloon, SjabloonFout, controleer
from ..store import MeldingenUoW
from .activiteiten import verschuif_herinneringen

# Only these rules have a timing to set: hours before the start, or after the end.
TIMING = {"herinnering": "uur voor de start", "feedback_vraag": "uur na het einde"}


@dataclass(frozen=True)
class BewaarRegel:
    soort: str
    actief: bool
    uren: int | None = None  # only for the rules in TIMING


@dataclass(frozen=True)
class BewaarSjabloon:
    soort: str
    sjabloon: Sjabloon
    wie: str  # the staff member, for the record


async def bewaar_regel(cmd: BewaarRegel, uow: MeldingenUoW) -> None:
    async with uow:
        await uow.regels.zet_regel(cmd.soort, actief=cmd.actief, uren=cmd.uren, met_uren=cmd.soort in TIMING)
        if cmd.soort == "herinnering":
            await verschuif_herinneringen(uow.conn, cmd.uren)


def sjabloon_fouten(sjabloon: Sjabloon) -> list[FieldProblem]:
    """Every empty part, or else the reason the template would fail at sending time; none: it works."""
    fouten = [
        FieldProblem(naam, "verplicht", f"Vul {label} in.")
        for naam, label in (("onderwerp", "het onderwerp"), ("tekst", "de tekstversie"), ("html", "de HTML-versie"))
        if not getattr(sjabloon, naam).strip()
    ]
    if fouten:
        return fouten
    try:
        controleer(sjabloon)
    except SjabloonFout as fout:
        veld = str(fout).split(":", 1)[0] if str(fout).split(":", 1)[0] in ("onderwerp", "tekst", "html") else "tekst"
        return [FieldProblem(veld, "sjabloon_fout", f"Dit sjabloon werkt niet: {fout}")]
    return []


async def bewaar_sjabloon(cmd: BewaarSjabloon, uow: MeldingenUoW) -> None:
    fouten = sjabloon_fouten(cmd.sjabloon)
    if fouten:
        raise Invalid("sjabloon_ongeldig", "Dit sjabloon kan zo niet bewaard worden.", problemen=fouten)
    async with uow:
        await uow.regels.bewaar_sjabloon(cmd.soort, cmd.sjabloon, cmd.wie)


async def herstel_sjabloon(soort: str, uow: MeldingenUoW) -> None:
    async with uow:
        await uow.regels.verwijder_sjabloon(soort)
