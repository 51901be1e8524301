"""'Mijn organisatie staat niet in de lijst': a newcomer asks for their organisation, staff decide.

1. The newcomer sends the organisation (name, local government or other, municipality or
   postcode) together with their own sign-up: the same fields, rules and consent wording as the
   form to become a member. Nothing is published yet; the request waits in `organisatieaanvragen`.
2. Staff approve, after checking (and where needed correcting) the organisation's name, type,
   NIS code and province. In ONE transaction: the organisation is created and announced with
   `OrganisatieBijgewerkt` (as the data files' organisations are), and the person's sign-up runs
   through `lid_worden`, the path of every sign-up (member row, consent record, `LidGeregistreerd`,
   `LidContactgegevens` and so meldingen's welcome mail). The consent record keeps the wording the
   person saw and the moment they gave it, not the moment of approval.
3. Or staff refuse, with a reason. The person's data is erased at once; the reason stays with the
   organisation's name so colleagues see what was decided.

Personal data of an open request is kept for `BEWAARTERMIJN` at most: an older open request is
erased (status `verlopen`) the next time requests are read or sent.

Organisations created here are not in the data files. A local government gets the id every
service derives from its NIS code; any other organisation the id of the key `aanvraag:<request id>`,
so adding it to `andere-organisaties.csv` later under that key keeps the same organisation.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dinet_chassis.errors import Conflict, FieldProblem as Fout, Invalid, NotFound
from dinet_contracts.types import ORGANISATIE_TYPE_LABELS, OrganisatieType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ...kernel.organisaties import bijgewerkt, organisatie_id_voor_nis, organisatie_id_voor_sleutel
from ..domain.aanmelding import NIEUWSBRIEF_TEKST, Kanaal, fout_email_bestaat_al, valideer_aanmelding
from ..store import LedenUoW
from .aanmelden import EmailBestaatAl, LidWorden, lid_worden

BEWAARTERMIJN = timedelta(days=60)
MAX_ORGANISATIE_NAAM = 200
MAX_GEMEENTE = 100
MAX_REDEN = 1000

# What a newcomer can tell about their organisation; staff choose the precise type on approval.
SOORTEN: dict[str, str] = {
    "lokaal_bestuur": "Een lokaal bestuur (gemeente, OCMW of stad)",
    "andere": "Een andere organisatie (vereniging, bibliotheek, onderwijs, zorg, ...)",
}
SOORT_LABELS = {"lokaal_bestuur": "Lokaal bestuur", "andere": "Andere organisatie"}
STATUS_LABELS = {"open": "Open", "goedgekeurd": "Goedgekeurd", "geweigerd": "Geweigerd", "verlopen": "Verlopen"}

# valideer_aanmelding checks the person's fields with the sign-up's own rules and messages; the
# organisation does not exist yet, so it is given one that passes and set at approval.
_NOG_GEEN_ORGANISATIE = uuid.UUID(int=0)


@dataclass(frozen=True, slots=True)
class Aanvraag:
    organisatie_naam: str
    organisatie_soort: str
    gemeente: str
    naam: str
    email: str
    functie: str | None
    toestemmingen: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class NieuweOrganisatie:
    naam: str
    type: OrganisatieType
    nis_code: str | None
    provincie: str | None


class Ongeldig(Invalid):
    def __init__(self, fouten: list[Fout]) -> None:
        super().__init__(problemen=fouten)
        self.fouten = list(fouten)


class AanvraagNietGevonden(NotFound):
    code = "aanvraag_onbekend"
    melding = "Deze aanvraag bestaat niet (meer)."


class AlAfgehandeld(Conflict):
    """The request was approved, refused or expired before: deciding again changes nothing."""

    code = "al_afgehandeld"

    def __init__(self, status: str) -> None:
        self.status = status
        self.fout = Fout("aanvraag", "al_afgehandeld", f"Deze aanvraag is al afgehandeld ({STATUS_LABELS[status].lower()}).")
        super().__init__(melding=self.fout.melding, problemen=[self.fout])


class EmailIntussenLid(Conflict):
    """Between request and approval the person became a member another way."""

    code = "email_bestaat_al"

    def __init__(self) -> None:
        self.fout = Fout(
            "aanvraag",
            "email_bestaat_al",
            "Dit e-mailadres is intussen al lid van het netwerk. Weiger de aanvraag en koppel het lid aan de organisatie.",
        )
        super().__init__(melding=self.fout.melding, problemen=[self.fout])


def _tekst(invoer: Mapping[str, Any], veld: str) -> tuple[str, Fout | None]:
    waarde = invoer.get(veld)
    if waarde is None:
        return "", None
    if not isinstance(waarde, str):
        return "", Fout(veld, "ongeldig_type", "Geef hier tekst op.")
    schoon = " ".join(waarde.split())
    if any(unicodedata.category(c) == "Cc" for c in schoon):
        return "", Fout(veld, "ongeldige_tekens", "Gebruik gewone tekst, zonder stuurtekens.")
    return schoon, None


def valideer_aanvraag(invoer: Mapping[str, Any]) -> Aanvraag | list[Fout]:
    """Check a request; returns the clean request, or the first problem of every wrong field."""
    fouten: list[Fout] = []

    organisatie_naam, fout = _tekst(invoer, "organisatie_naam")
    if fout:
        fouten.append(fout)
    elif not organisatie_naam:
        fouten.append(Fout("organisatie_naam", "verplicht", "Vul de naam van je organisatie in."))
    elif len(organisatie_naam) > MAX_ORGANISATIE_NAAM:
        fouten.append(
            Fout("organisatie_naam", "te_lang", f"De naam mag hoogstens {MAX_ORGANISATIE_NAAM} tekens lang zijn.")
        )

    soort = invoer.get("organisatie_soort")
    if soort in (None, ""):
        fouten.append(
            Fout("organisatie_soort", "verplicht", "Kies of je organisatie een lokaal bestuur is of een andere organisatie.")
        )
    elif not isinstance(soort, str) or soort not in SOORTEN:
        fouten.append(
            Fout("organisatie_soort", "ongeldige_waarde", "Kies een lokaal bestuur of een andere organisatie.")
        )

    gemeente, fout = _tekst(invoer, "gemeente")
    if fout:
        fouten.append(fout)
    elif not gemeente:
        fouten.append(Fout("gemeente", "verplicht", "Vul de gemeente of de postcode van je organisatie in."))
    elif len(gemeente) > MAX_GEMEENTE:
        fouten.append(Fout("gemeente", "te_lang", f"Gebruik hoogstens {MAX_GEMEENTE} tekens."))
    elif gemeente.isdigit() and not (len(gemeente) == 4 and 1000 <= int(gemeente) <= 9999):
        fouten.append(Fout("gemeente", "ongeldige_postcode", "Een postcode heeft vier cijfers, zoals 9000."))

    persoon = valideer_aanmelding({**invoer, "organisatie_id": _NOG_GEEN_ORGANISATIE})
    if isinstance(persoon, list):
        fouten.extend(persoon)
    if fouten:
        return fouten
    assert not isinstance(persoon, list)
    return Aanvraag(
        organisatie_naam=organisatie_naam,
        organisatie_soort=str(soort),
        gemeente=gemeente,
        naam=persoon.naam,
        email=persoon.email,
        functie=persoon.functie,
        toestemmingen={"nieuwsbrief": {"gegeven": persoon.nieuwsbrief, "tekst": NIEUWSBRIEF_TEKST}},
    )


def valideer_organisatie(
    invoer: Mapping[str, Any], provincies: list[str]
) -> NieuweOrganisatie | list[Fout]:
    """Check what staff confirm on approval: the organisation as it will be in the list."""
    fouten: list[Fout] = []
    naam, fout = _tekst(invoer, "naam")
    if fout:
        fouten.append(fout)
    elif not naam:
        fouten.append(Fout("naam", "verplicht", "Vul de naam van de organisatie in."))
    elif len(naam) > MAX_ORGANISATIE_NAAM:
        fouten.append(Fout("naam", "te_lang", f"De naam mag hoogstens {MAX_ORGANISATIE_NAAM} tekens lang zijn."))

    type_: OrganisatieType | None = None
    try:
        type_ = OrganisatieType(str(invoer.get("type") or ""))
    except ValueError:
        fouten.append(Fout("type", "verplicht", "Kies het type organisatie."))

    nis_code, fout = _tekst(invoer, "nis_code")
    if fout:
        fouten.append(fout)
    elif type_ is OrganisatieType.LOKAAL_BESTUUR and not nis_code:
        fouten.append(Fout("nis_code", "verplicht", "Een lokaal bestuur heeft een NIS-code: vul ze in, zoals 44021."))
    elif type_ is OrganisatieType.LOKAAL_BESTUUR and not (nis_code.isdigit() and len(nis_code) == 5):
        fouten.append(Fout("nis_code", "ongeldige_waarde", "Een NIS-code heeft vijf cijfers, zoals 44021."))
    elif type_ is not None and type_ is not OrganisatieType.LOKAAL_BESTUUR and nis_code:
        fouten.append(Fout("nis_code", "niet_toegelaten", "Alleen een lokaal bestuur heeft een NIS-code: laat dit veld leeg."))

    provincie, fout = _tekst(invoer, "provincie")
    if fout:
        fouten.append(fout)
    elif provincie and provincie not in provincies:
        fouten.append(Fout("provincie", "ongeldige_waarde", "Kies een provincie uit de lijst."))

    if fouten:
        return fouten
    assert type_ is not None
    return NieuweOrganisatie(
        naam=naam,
        type=type_,
        nis_code=nis_code if type_ is OrganisatieType.LOKAAL_BESTUUR else None,
        provincie=provincie or None,
    )


async def wis_verlopen(conn: AsyncConnection) -> int:
    """Erase the person of every open request older than the retention period; returns how many."""
    return (
        await conn.execute(
            text(
                "UPDATE organisatieaanvragen SET status = 'verlopen', afgehandeld_op = now(),"
                " naam = NULL, email = NULL, functie = NULL, toestemmingen = NULL"
                " WHERE status = 'open' AND bewaren_tot < now()"
            )
        )
    ).rowcount


async def _organisatie_met_naam(conn: AsyncConnection, naam: str) -> uuid.UUID | None:
    return (
        await conn.execute(
            text("SELECT id FROM organisaties WHERE lower(naam) = lower(:naam) LIMIT 1"), {"naam": naam}
        )
    ).scalar_one_or_none()


async def vraag_aan(uow: LedenUoW, invoer: Mapping[str, Any]) -> uuid.UUID:
    """Store a request; returns its id. Raises Ongeldig with every wrong field at once."""
    resultaat = valideer_aanvraag(invoer)
    if isinstance(resultaat, list):
        raise Ongeldig(resultaat)
    aanvraag = resultaat
    aanvraag_id = uuid.uuid4()
    async with uow:
        conn = uow.conn
        await wis_verlopen(conn)
        fouten: list[Fout] = []
        if await _organisatie_met_naam(conn, aanvraag.organisatie_naam) is not None:
            fouten.append(
                Fout(
                    "organisatie_naam",
                    "organisatie_bestaat_al",
                    "Deze organisatie staat al in de lijst. Ga terug naar het formulier om lid te worden en kies ze daar.",
                )
            )
        if (
            await conn.execute(text("SELECT 1 FROM leden WHERE email = :e"), {"e": aanvraag.email})
        ).scalar_one_or_none():
            fouten.append(fout_email_bestaat_al())
        ingevoegd = (
            await conn.execute(
                text(
                    "INSERT INTO organisatieaanvragen (id, organisatie_naam, organisatie_soort, gemeente, naam, email,"
                    " functie, toestemmingen, bewaren_tot)"
                    " VALUES (:id, :organisatie_naam, :soort, :gemeente, :naam, :email, :functie,"
                    " CAST(:toestemmingen AS jsonb), now() + :termijn)"
                    " ON CONFLICT (email) WHERE status = 'open' DO NOTHING RETURNING id"
                ),
                {
                    "id": aanvraag_id,
                    "organisatie_naam": aanvraag.organisatie_naam,
                    "soort": aanvraag.organisatie_soort,
                    "gemeente": aanvraag.gemeente,
                    "naam": aanvraag.naam,
                    "email": aanvraag.email,
                    "functie": aanvraag.functie,
                    "toestemmingen": json.dumps(aanvraag.toestemmingen),
                    "termijn": BEWAARTERMIJN,
                },
            )
        ).scalar_one_or_none()
        if ingevoegd is None:
            fouten.append(
                Fout(
                    "email",
                    "aanvraag_loopt_al",
                    "Met dit e-mailadres loopt al een aanvraag. VVSG bekijkt ze; bel 02 211 55 00 als je iets wil aanvullen.",
                )
            )
        if fouten:
            raise Ongeldig(fouten)  # leaving the block rolls the insert back
    return aanvraag_id


async def open_aanvragen(db: Any) -> list[Mapping[str, Any]]:
    async with db.transaction() as conn:
        await wis_verlopen(conn)
        return list(
            (
                await conn.execute(
                    text(
                        "SELECT id, organisatie_naam, organisatie_soort, gemeente, naam, email, functie, ingediend_op,"
                        " bewaren_tot FROM organisatieaanvragen WHERE status = 'open' ORDER BY ingediend_op, id"
                    )
                )
            ).mappings()
        )


async def afgehandelde_aanvragen(db: Any, *, aantal: int = 20) -> list[Mapping[str, Any]]:
    async with db.engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    text(
                        "SELECT a.id, a.organisatie_naam, a.status, a.reden, a.afgehandeld_op, a.organisatie_id,"
                        " o.naam AS organisatie FROM organisatieaanvragen a"
                        " LEFT JOIN organisaties o ON o.id = a.organisatie_id"
                        " WHERE a.status <> 'open' ORDER BY a.afgehandeld_op DESC, a.id LIMIT :n"
                    ),
                    {"n": aantal},
                )
            ).mappings()
        )


async def een(db: Any, aanvraag_id: uuid.UUID) -> Mapping[str, Any] | None:
    async with db.transaction() as conn:
        await wis_verlopen(conn)
        return (
            await conn.execute(
                text(
                    "SELECT id, organisatie_naam, organisatie_soort, gemeente, naam, email, functie, toestemmingen,"
                    " ingediend_op, bewaren_tot, status, reden, afgehandeld_op, organisatie_id"
                    " FROM organisatieaanvragen WHERE id = :id"
                ),
                {"id": aanvraag_id},
            )
        ).mappings().one_or_none()


async def _open_voor_beslissing(conn: AsyncConnection, aanvraag_id: uuid.UUID) -> Mapping[str, Any]:
    # FOR UPDATE: two staff members deciding at once are served one after the other, and the
    # second finds the request handled.
    rij = (
        await conn.execute(
            text(
                "SELECT id, naam, email, functie, toestemmingen, ingediend_op, status, bewaren_tot"
                " FROM organisatieaanvragen WHERE id = :id FOR UPDATE"
            ),
            {"id": aanvraag_id},
        )
    ).mappings().one_or_none()
    if rij is None:
        raise AanvraagNietGevonden(str(aanvraag_id))
    if rij["status"] == "open" and rij["bewaren_tot"] < datetime.now(rij["bewaren_tot"].tzinfo):
        raise AlAfgehandeld("verlopen")  # its data is erased on the next read, see wis_verlopen
    if rij["status"] != "open":
        raise AlAfgehandeld(rij["status"])
    return rij


def nieuw_organisatie_id(aanvraag_id: uuid.UUID, organisatie: NieuweOrganisatie) -> uuid.UUID:
    if organisatie.type is OrganisatieType.LOKAAL_BESTUUR:
        assert organisatie.nis_code is not None
        return organisatie_id_voor_nis(organisatie.nis_code)
    return organisatie_id_voor_sleutel(f"aanvraag:{aanvraag_id}")


async def keur_goed(
    uow: LedenUoW, aanvraag_id: uuid.UUID, invoer: Mapping[str, Any], *, provincies: list[str]
) -> tuple[uuid.UUID, uuid.UUID]:
    """Create the organisation and complete the sign-up; returns (organisation id, member id).

    Raises Ongeldig (the organisation's fields), AanvraagNietGevonden, AlAfgehandeld or
    EmailIntussenLid; nothing is stored then.
    """
    resultaat = valideer_organisatie(invoer, provincies)
    if isinstance(resultaat, list):
        raise Ongeldig(resultaat)
    organisatie = resultaat
    organisatie_id = nieuw_organisatie_id(aanvraag_id, organisatie)
    # One unit of work for all of it: the sign-up joins it, so either the organisation, the member
    # and their events all exist, or none of them does.
    async with uow:
        conn = uow.conn
        aanvraag = await _open_voor_beslissing(conn, aanvraag_id)
        fouten: list[Fout] = []
        if await _organisatie_met_naam(conn, organisatie.naam) is not None:
            fouten.append(Fout("naam", "organisatie_bestaat_al", "Er is al een organisatie met deze naam."))
        if (
            await conn.execute(text("SELECT 1 FROM organisaties WHERE id = :id"), {"id": organisatie_id})
        ).scalar_one_or_none():
            fouten.append(Fout("nis_code", "organisatie_bestaat_al", "Er is al een lokaal bestuur met deze NIS-code."))
        if fouten:
            raise Ongeldig(fouten)
        rij = (
            await conn.execute(
                text(
                    "INSERT INTO organisaties (id, naam, type, nis_code, provincie, versie)"
                    " VALUES (:id, :naam, :type, :nis_code, :provincie, 1)"
                    " RETURNING id, naam, type, nis_code, provincie, inwoners, grootteklasse, versie"
                ),
                {
                    "id": organisatie_id,
                    "naam": organisatie.naam,
                    "type": organisatie.type.value,
                    "nis_code": organisatie.nis_code,
                    "provincie": organisatie.provincie,
                },
            )
        ).mappings().one()
        await uow.publish(bijgewerkt(rij))

        toestemmingen: dict[str, dict[str, Any]] = aanvraag["toestemmingen"]
        try:
            lid_id = await lid_worden(
                LidWorden(
                    {
                        "naam": aanvraag["naam"],
                        "email": aanvraag["email"],
                        "functie": aanvraag["functie"],
                        "organisatie_id": organisatie_id,
                        **{doel: bool(t["gegeven"]) for doel, t in toestemmingen.items()},
                    },
                    Kanaal.AANMELDFORMULIER,
                ),
                uow,
            )
        except EmailBestaatAl as exc:
            raise EmailIntussenLid() from exc
        except Invalid as exc:  # the rules changed since the request was checked
            raise Ongeldig(list(exc.problemen)) from exc
        for doel, t in toestemmingen.items():
            await conn.execute(
                text(
                    "UPDATE toestemmingen SET tekst = :tekst, wanneer = :wanneer WHERE lid_id = :lid AND doel = :doel"
                ),
                {"tekst": t["tekst"], "wanneer": aanvraag["ingediend_op"], "lid": lid_id, "doel": doel},
            )
        await conn.execute(
            text(
                "UPDATE organisatieaanvragen SET status = 'goedgekeurd', afgehandeld_op = now(), organisatie_id = :org,"
                " naam = NULL, email = NULL, functie = NULL, toestemmingen = NULL WHERE id = :id"
            ),
            {"id": aanvraag_id, "org": organisatie_id},
        )
    return organisatie_id, lid_id


async def weiger(uow: LedenUoW, aanvraag_id: uuid.UUID, reden_invoer: Any) -> Mapping[str, Any]:
    """Refuse with a reason and erase the person; returns name and address once, to tell them.

    Raises Ongeldig (no or too long a reason), AanvraagNietGevonden or AlAfgehandeld.
    """
    reden, fout = _tekst({"reden": reden_invoer}, "reden")
    if fout:
        raise Ongeldig([fout])
    if not reden:
        raise Ongeldig([Fout("reden", "verplicht", "Schrijf waarom de organisatie niet wordt toegevoegd.")])
    if len(reden) > MAX_REDEN:
        raise Ongeldig([Fout("reden", "te_lang", f"Gebruik hoogstens {MAX_REDEN} tekens.")])
    async with uow:
        conn = uow.conn
        aanvraag = await _open_voor_beslissing(conn, aanvraag_id)
        await conn.execute(
            text(
                "UPDATE organisatieaanvragen SET status = 'geweigerd', reden = :reden, afgehandeld_op = now(),"
                " naam = NULL, email = NULL, functie = NULL, toestemmingen = NULL WHERE id = :id"
            ),
            {"id": aanvraag_id, "reden": reden},
        )
    return {"naam": aanvraag["naam"], "email": aanvraag["email"], "reden": reden}


def organisatie_types() -> list[tuple[str, str]]:
    return [(t.value, label) for t, label in ORGANISATIE_TYPE_LABELS.items()]
