"""A member's preferences and unsubscribing: withdraw a purpose (the one-click link), or choose
how often invitations come and whether the newsletter does (the preferences page).

Consent stays registratie's record: every change made here goes to registratie as
`ToestemmingGewijzigd`, with the exact wording the member agreed to, in the same transaction.
Operational mail (registration confirmations, sign-in links) is never stopped by this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from dinet_contracts.events.meldingen import ToestemmingGewijzigd

from ..store import MeldingenUoW

Doel = Literal["nieuwsbrief", "uitnodigingen"]

# registratie names the purpose of invitations "netwerkmail".
REGISTRATIE_DOEL = {"nieuwsbrief": "nieuwsbrief", "uitnodigingen": "netwerkmail"}
TEKSTEN = {
    ("nieuwsbrief", False): "Ik wil de nieuwsbrief van het netwerk digitale inclusie niet meer ontvangen.",
    ("uitnodigingen", False): "Ik wil geen uitnodigingen voor activiteiten van het netwerk meer ontvangen.",
    ("uitnodigingen", "per_mail"): "Ik wil een mail voor elke nieuwe activiteit van het netwerk.",
    ("uitnodigingen", "wekelijks"): "Ik wil één keer per week een overzicht van de nieuwe activiteiten van het netwerk.",
}
RITMES = ("per_mail", "wekelijks", "geen")


@dataclass(frozen=True)
class TrekIn:
    lid_id: UUID
    doel: Doel
    hoe: str  # how the member said it, for registratie's record: "afmeldlink", "voorkeurenpagina"


@dataclass(frozen=True)
class BewaarVoorkeuren:
    lid_id: UUID
    uitnodigingen: str  # one of RITMES
    nieuwsbrief_stoppen: bool
    hoe: str = "voorkeurenpagina"


async def _meld(uow: MeldingenUoW, lid_id: UUID, doel: str, gegeven: bool, tekst: str, hoe: str) -> None:
    await uow.publish(
        ToestemmingGewijzigd(
            lid_id=lid_id, doel=REGISTRATIE_DOEL[doel], gegeven=gegeven, tekst=tekst, hoe=hoe,  # type: ignore[arg-type]
            wanneer=uow.now(),
        )
    )


async def trek_in(cmd: TrekIn, uow: MeldingenUoW) -> bool:
    """Withdraw a purpose; False if there was nothing to withdraw (a second click)."""
    async with uow:
        if cmd.doel == "nieuwsbrief":
            veranderd = await uow.voorkeuren.zeg_nieuwsbrief_af(cmd.lid_id)
        else:
            veranderd = (await uow.voorkeuren.zet_uitnodigingen(cmd.lid_id, "geen")) not in (None, "geen")
        if veranderd:
            await _meld(uow, cmd.lid_id, cmd.doel, False, TEKSTEN[(cmd.doel, False)], cmd.hoe)
    return veranderd


async def bewaar_voorkeuren(cmd: BewaarVoorkeuren, uow: MeldingenUoW) -> None:
    """Only what changed is announced: saving the page unchanged tells registratie nothing."""
    if cmd.uitnodigingen not in RITMES:
        raise ValueError(cmd.uitnodigingen)  # the page offers only these; checked there with a message
    async with uow:
        vorige = await uow.voorkeuren.zet_uitnodigingen(cmd.lid_id, cmd.uitnodigingen)
        if (vorige or "geen") != cmd.uitnodigingen:
            gegeven = cmd.uitnodigingen != "geen"
            tekst = TEKSTEN[("uitnodigingen", cmd.uitnodigingen if gegeven else False)]
            await _meld(uow, cmd.lid_id, "uitnodigingen", gegeven, tekst, cmd.hoe)
        if cmd.nieuwsbrief_stoppen:
            await trek_in(TrekIn(cmd.lid_id, "nieuwsbrief", cmd.hoe), uow)
