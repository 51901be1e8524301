"""A member joins: the one write path for the sign-up (form and API) and the old list's import.

`treed_toe` writes a member who joins, inside the caller's unit of work:
- the member row (an address that is already a member writes nothing: the unique index decides,
  so two simultaneous sign-ups cannot both win);
- the newsletter consent record, with the exact wording shown and how it was given;
- two events in the outbox, in the same transaction:
  - `LidGeregistreerd`: facts only, no personal data (KPIs keep it for ever);
  - `LidContactgegevens`: name and e-mail for `meldingen` (welcome mail, newsletter opt-in), on
    the personal-data stream so erasure can purge it;
- an open period in the knowledge-sharing space when the member is already on it (import).
Either all of it is stored and the events will be published, or nothing is.

`lid_worden` is the sign-up: it checks the input (domain rules, then: does the organisation
exist?) and refuses with `Invalid` (every wrong field) or `EmailBestaatAl`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dinet_chassis.errors import Conflict, Invalid
from dinet_contracts.events.registratie import LidContactgegevens, LidGeregistreerd, LidKennisdelingGewijzigd
from dinet_contracts.tijd import vandaag

from ..domain.aanmelding import (
    NIEUWSBRIEF_TEKST,
    Kanaal,
    fout_email_bestaat_al,
    fout_onbekende_organisatie,
    valideer_aanmelding,
)
from ..domain.lidmaatschap import Doel, Hoe, NieuwLid
from ..store import LedenUnitOfWork


class EmailBestaatAl(Conflict):
    code = "email_bestaat_al"
    melding = "Er is al een lid met dit e-mailadres."

    def __init__(self) -> None:
        super().__init__(self.code, self.melding, problemen=[fout_email_bestaat_al()])


@dataclass(frozen=True, slots=True)
class LidWorden:
    """A sign-up as it arrived: the raw input of the form or the API, and which of the two."""

    invoer: Mapping[str, Any]
    kanaal: Kanaal


async def treed_toe(uow: LedenUnitOfWork, lid: NieuwLid) -> bool:
    """Write a member who joins (see the module's docstring); False, with nothing written, when
    the address is already a member. Runs inside the caller's unit of work."""
    if not await uow.leden.voeg_toe(lid):
        return False
    if lid.toestemming is not None:
        tekst, hoe = lid.toestemming
        await uow.leden.leg_toestemming_vast(lid.id, Doel.NIEUWSBRIEF, lid.nieuwsbrief, tekst, hoe)
    await uow.publish(
        LidGeregistreerd(
            lid_id=lid.id,
            organisatie_id=lid.organisatie_id,
            organisatie_type=lid.organisatie_type,
            lid_sinds=lid.lid_sinds,
            nieuwsbrief=lid.nieuwsbrief,
        )
    )
    await uow.publish(
        LidContactgegevens(
            lid_id=lid.id, naam=lid.naam, email=lid.email, nieuwsbrief=lid.nieuwsbrief, aanleiding=lid.aanleiding
        )
    )
    if lid.kennisdeling_sinds is not None:
        await uow.leden.open_kennisdeling(lid.id, lid.kennisdeling_sinds)
        await uow.publish(LidKennisdelingGewijzigd(lid_id=lid.id, lid=True, datum=lid.kennisdeling_sinds))
    return True


async def lid_worden(cmd: LidWorden, uow: LedenUnitOfWork) -> uuid.UUID:
    """Sign a member up; returns the new member's id. Raises Invalid or EmailBestaatAl, and then
    nothing is stored."""
    resultaat = valideer_aanmelding(cmd.invoer)
    if isinstance(resultaat, list):
        # The API has always answered with the general advice, even for one field.
        raise Invalid(melding=Invalid.melding, problemen=resultaat)
    async with uow:
        organisatie_type = await uow.leden.organisatie_type(resultaat.organisatie_id)
        if organisatie_type is None:
            raise Invalid(melding=Invalid.melding, problemen=[fout_onbekende_organisatie()])
        lid = NieuwLid(
            id=uuid.uuid4(),
            naam=resultaat.naam,
            email=resultaat.email,
            organisatie_id=resultaat.organisatie_id,
            organisatie_type=organisatie_type,
            functie=resultaat.functie,
            nieuwsbrief=resultaat.nieuwsbrief,
            lid_sinds=vandaag(uow.now()),
            toestemming=(NIEUWSBRIEF_TEKST, Hoe(cmd.kanaal.value)),
            aanleiding="registratie",
        )
        if not await treed_toe(uow, lid):
            raise EmailBestaatAl()
    return lid.id


__all__ = ["EmailBestaatAl", "LidWorden", "lid_worden", "treed_toe"]
