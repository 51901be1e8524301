"""Feedback after an activity: only attendees are asked, the event carries the score only, and
staff see nothing but the count below five answers."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from dinet_chassis.web.auth import COOKIE, Identiteit, Rol, maak_cookie
from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm
from sqlalchemy import text

from registratie.activiteiten.domain import ActiviteitGegevens
from registratie.activiteiten.store import ActiviteitenUoW
from registratie.activiteiten.use_cases import aanwezigheid, levenscyclus
from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION

GENT = organisatie_id_voor_nis("44021")
VVSG = organisatie_id_voor_sleutel("vvsg")
MEDEWERKER = Identiteit(sub="demo:medewerker", naam="Mia Medewerker", rollen=frozenset({Rol.MEDEWERKER}))


async def opzet(runtime: Any, aanwezigen: int) -> tuple[uuid.UUID, list[uuid.UUID], uuid.UUID]:
    """A held info session with `aanwezigen` attendees and one registered person who stayed away."""
    leden = [uuid.uuid4() for _ in range(aanwezigen + 1)]
    async with runtime.db.transaction() as conn:
        await conn.execute(
            text("INSERT INTO leden (id, naam, email, organisatie_id, lid_sinds) VALUES (:id, :n, :e, :o, DATE '2025-01-01')"),
            [{"id": i, "n": f"Lid {k}", "e": f"{i}@gent.be", "o": GENT} for k, i in enumerate(leden)],
        )
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    g = ActiviteitGegevens(
        soort=ActiviteitSoort.INFOSESSIE, titel="Infosessie", organisator_id=VVSG, trekker=Trekker.VVSG,
        vorm=Vorm.ONLINE, start=start, einde=start + timedelta(hours=2), duur_uren=Decimal("2.00"),
    )
    activiteit_id = await levenscyclus.plan(levenscyclus.Plan(g), ActiviteitenUoW(runtime.db, source=runtime.source))
    await levenscyclus.markeer_afgelopen(levenscyclus.MarkeerAfgelopen(activiteit_id), ActiviteitenUoW(runtime.db, source=runtime.source))
    regels = [aanwezigheid.Regel(l, True, Decimal("2.00")) for l in leden[:-1]] + [aanwezigheid.Regel(leden[-1], False, Decimal("0"))]
    await aanwezigheid.registreer(aanwezigheid.RegistreerAanwezigheid(activiteit_id, tuple(regels), door="test"), ActiviteitenUoW(runtime.db, source=runtime.source))
    return activiteit_id, leden[:-1], leden[-1]


def als_lid(runtime: Any, lid_id: uuid.UUID) -> dict[str, str]:
    wie = Identiteit(sub=f"lid:{lid_id}", naam="Lid", rollen=frozenset({Rol.LID}), organisatie_id=GENT, lid_id=lid_id)
    return {"Cookie": f"{COOKIE}={maak_cookie(wie, runtime.settings.secret_key)}"}


async def geef(http: Any, runtime: Any, activiteit_id: uuid.UUID, lid_id: uuid.UUID, **velden: str) -> Any:
    """As the member, in their own browser (cookie jar: sign-in and CSRF cookies)."""
    client = http(runtime)
    client.cookies.set(COOKIE, als_lid(runtime, lid_id)["Cookie"].split("=", 1)[1])
    pad = f"/registratie/activiteiten/{activiteit_id}/feedback"
    pagina = await client.get(pad)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text)
    assert token, pagina.text
    return await client.post(pad, data={"_csrf_token": token.group(1), **velden})


async def test_only_attendees_answer_and_the_summary_waits_for_five(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        activiteit_id, aanwezigen, afwezige = await opzet(runtime, 5)
        pad = f"/registratie/activiteiten/{activiteit_id}/feedback"

        weg = await client.get(pad, headers=als_lid(runtime, afwezige))
        assert weg.status_code == 403 and "Alleen wie aanwezig was" in weg.text and "<form" not in weg.text.split("hoofdinhoud")[-1]

        formulier = await client.get(pad, headers=als_lid(runtime, aanwezigen[0]))
        assert '<fieldset class="govuk-fieldset"' in formulier.text and 'type="radio"' in formulier.text
        assert "<legend" in formulier.text and 'for="tekst"' in formulier.text

        leeg = await geef(http, runtime, activiteit_id, aanwezigen[0], tekst="Vergeten te scoren")
        assert leeg.status_code == 400 and 'href="#score"' in leeg.text and "Vergeten te scoren" in leeg.text

        staf = http(runtime)
        staf.cookies.set(COOKIE, maak_cookie(MEDEWERKER, runtime.settings.secret_key))
        samenvatting = f"/registratie/beheer/activiteiten/{activiteit_id}/feedback"
        teksten = ["Heel nuttig", "", "Te lang", "Goede sprekers", "Meer voorbeelden graag"]
        for k, (lid_id, score) in enumerate(zip(aanwezigen[:4], [5, 2, 4, 4])):
            r = await geef(http, runtime, activiteit_id, lid_id, score=str(score), tekst=teksten[k])
            assert r.status_code == 303
        verborgen = await staf.get(samenvatting)
        assert "4 antwoorden" in verborgen.text and "pas vanaf 5 antwoorden" in verborgen.text
        assert "Heel nuttig" not in verborgen.text and "Gemiddeld" not in verborgen.text

        # Twice is once.
        nog_eens = await client.get(pad, headers=als_lid(runtime, aanwezigen[0]))
        assert "al" in nog_eens.text and 'type="radio"' not in nog_eens.text
        # A thank-you, not something that reads like a refusal.
        assert "Bedankt voor je mening" in nog_eens.text and "govuk-panel--confirmation" in nog_eens.text
        assert "Fout:" not in nog_eens.text and nog_eens.status_code == 200

        assert (await geef(http, runtime, activiteit_id, aanwezigen[4], score="3", tekst=teksten[4])).status_code == 303
        zichtbaar = (await staf.get(samenvatting)).text
        assert "Gemiddeld <strong>3,6</strong> op 5, uit 5 antwoorden" in zichtbaar
        for t in ("Heel nuttig", "Te lang", "Goede sprekers", "Meer voorbeelden graag"):
            assert t in zichtbaar

        async with runtime.db.engine.connect() as conn:
            bodies = (
                await conn.execute(text("SELECT body FROM outbox WHERE event_type = 'be.dinet.feedback.ontvangen.v1'"))
            ).scalars().all()
        data = [json.loads(b)["data"] for b in bodies]
        assert sorted(d["score"] for d in data) == [2, 3, 4, 4, 5]
        assert set(data[0]) == {"feedback_id", "activiteit_id", "activiteit_soort", "score", "ontvangen_op"}
        assert (await client.get(samenvatting, headers=als_lid(runtime, aanwezigen[0]))).status_code == 403


async def test_erasing_a_member_keeps_hours_and_scores_but_not_their_words(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        activiteit_id, (an, *_), _ = await opzet(runtime, 2)
        assert (await geef(http, runtime, activiteit_id, an, score="4", tekst="Ik ben An uit Gent")).status_code == 303
        async with runtime.db.transaction() as conn:
            # What erasure (registratie.leden) does: delete the member; every table follows its rule.
            await conn.execute(text("DELETE FROM leden WHERE id = :id"), {"id": an})
        async with runtime.db.engine.connect() as conn:
            fb = (await conn.execute(text("SELECT lid_id, score, tekst FROM feedback"))).one()
            uren = (await conn.execute(text("SELECT sum(uren), count(*) FILTER (WHERE lid_id IS NULL) FROM aanwezigheden"))).one()
        assert (fb.lid_id, fb.score, fb.tekst) == (None, 4, None)
        assert uren[0] == Decimal("4.00") and uren[1] == 1
