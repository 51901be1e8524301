"""A partner editor without programmers: it plans, changes and cancels its own organisation's
activities with the staff forms and rules, and they become the same events as staff's; another
organisation's activities stay out of sight, and the staff-only parts stay with VVSG."""

from __future__ import annotations

import uuid
from typing import Any

from dinet_chassis.web.auth import Identiteit, Rol

from registratie.main import DEFINITION

from .test_activiteit_beheer import BASIS, MEDEWERKER, MEDIAWIJS, VVSG, aangemeld, csrf, events, formulier

PARTNER = Identiteit(sub="demo:mediawijs", naam="Pieter Partner", rollen=frozenset({Rol.PARTNER}), organisatie_id=MEDIAWIJS)


async def test_partner_editor_plans_edits_and_cancels_its_own_activities(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        staf = aangemeld(http(runtime), runtime, MEDEWERKER)
        token = await csrf(staf, f"{BASIS}/nieuw")
        r = await staf.post(f"{BASIS}/nieuw", data=formulier(token, titel="Netwerkdag van VVSG"))
        van_vvsg = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])

        partner = aangemeld(http(runtime), runtime, PARTNER)
        nieuw = await partner.get(f"{BASIS}/nieuw")
        assert nieuw.status_code == 200
        # Only its own organisation to choose as organiser.
        assert f'value="{MEDIAWIJS}"' in nieuw.text and f'value="{VVSG}"' not in nieuw.text
        token = await csrf(partner, f"{BASIS}/nieuw")
        # Another organisation posted as organiser is overruled: a partner plans only its own.
        r = await partner.post(
            f"{BASIS}/nieuw", data=formulier(token, titel="Mediawijs-infosessie", organisator_id=str(VVSG), trekker="partner")
        )
        assert r.status_code == 303, r.text
        eigen = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
        detail = await partner.get(f"{BASIS}/{eigen}")
        assert detail.status_code == 200 and "Mediawijs-infosessie" in detail.text
        # Who registered is personal data of members, and attendance is VVSG's work.
        assert "Een lid inschrijven" not in detail.text and "/aanwezigheid" not in detail.text

        lijst = await partner.get(BASIS)
        assert "Mediawijs-infosessie" in lijst.text and "Netwerkdag van VVSG" not in lijst.text
        for pad in (f"{BASIS}/{van_vvsg}", f"{BASIS}/{van_vvsg}/bewerken", f"{BASIS}/{van_vvsg}/annuleren"):
            assert (await partner.get(pad)).status_code == 404, pad
        assert (await partner.post(f"{BASIS}/{van_vvsg}/annuleren", data={"_csrf_token": token})).status_code == 404
        assert (await partner.get(f"{BASIS}/{van_vvsg}/aanwezigheid")).status_code == 403

        r = await partner.post(
            f"{BASIS}/{eigen}/bewerken", data=formulier(token, titel="Mediawijs-infosessie", capaciteit="50", versie="1")
        )
        assert r.status_code == 303, r.text
        r = await partner.post(f"{BASIS}/{eigen}/annuleren", data={"_csrf_token": token})
        assert r.status_code == 303

        gebeurd = await events(runtime, eigen)
        assert [e["type"] for e in gebeurd] == [
            "be.dinet.activiteit.gepland.v2",
            "be.dinet.activiteit.gewijzigd.v2",
            "be.dinet.activiteit.geannuleerd.v2",
        ]
        assert {e["data"]["activiteit"]["organisator_id"] for e in gebeurd} == {str(MEDIAWIJS)}
        assert [e["data"]["activiteit"]["status"] for e in gebeurd] == ["gepland", "gepland", "geannuleerd"]
        # VVSG's own activity was not touched.
        assert [e["type"].split(".")[3] for e in await events(runtime, van_vvsg)] == ["gepland"]
