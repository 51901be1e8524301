"""`dinet seed` against a real `dinet up`: the demo data go in through the HTTP APIs and forms and
reach the KPI figures through the bus."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from datetime import date

from dinet_chassis.testing import wait_until

async def _leeg(lijst) -> bool:
    return not await lijst


ACTIVITEIT_KPIS = ("od11_bijeenkomsten", "od12_infosessies", "od12_deelnemersuren", "od22_thematisch", "od32_adviesgesprekken")


async def test_dinet_seed_fills_a_running_stack_so_the_kpis_are_not_zero(dinet_up):
    idle = subprocess.run([sys.executable, "-m", "dinet_cli", "seed"], env=dinet_up.env, capture_output=True, text=True, timeout=30)
    assert idle.returncode == 1 and "Er draait geen `dinet up`" in idle.stderr

    async with dinet_up() as stack:
        seed = stack.dinet("seed", timeout=120)
        assert seed.returncode == 0, seed.stdout + seed.stderr
        assert "Leden: 40 nieuw" in seed.stdout
        assert "Beleidsplan van Gent: nieuw, met 8 elementen, 3 acties en een zelfevaluatie" in seed.stdout

        async def figures() -> dict[str, float]:
            answer = await stack.client.get("/kpi/api/v1/kpis", params={"jaar": date.today().year})
            return {k["id"]: k["waarde"] or 0 for k in answer.json()["kpis"]}

        async def counted() -> bool:
            f = await figures()
            return f["od11_leden"] >= 40 and any(f[k] > 0 for k in ACTIVITEIT_KPIS)

        await wait_until(counted, timeout=20)

        # Every kind of mail is in the mailbox page, the weekly digest too (sent now, not on
        # Monday). The reminder is planned for two minutes later: not waited for here.
        soorten = ("Welkom bij het netwerk", "Bevestig je inschrijving", "Nieuwsbrief digitale inclusie", "Uitnodiging: ",
                   "Nieuwe activiteiten van het netwerk", "Je bent ingeschreven: ", "Je staat op de wachtlijst: ",
                   "Er is een plaats voor jou: ", "Je inschrijving is geannuleerd: ", "Gewijzigd: ", "Geannuleerd: ",
                   "Hoe vond je ")

        async def ontbrekend() -> list[str]:
            pagina = (await stack.client.get("/mail/")).text
            onderwerpen = [html.unescape(t) for t in re.findall(r'href="/mail/[^"]+">([^<]*)</a>', pagina)]
            return [s for s in soorten if not any(o.startswith(s) for o in onderwerpen)]

        await wait_until(lambda: _leeg(ontbrekend()), timeout=30)
        assert "het wekelijkse overzicht ging nu naar 1 lid/leden" in seed.stdout, seed.stdout

        # The demo local government's plan, with the network's offer for its red elements.
        gent = subprocess.run([sys.executable, "-m", "dinet_cli", "seed"], env=dinet_up.env, capture_output=True, text=True, timeout=120)
        assert gent.returncode == 0 and "Beleidsplan van Gent: bestond al" in gent.stdout, gent.stdout + gent.stderr
        aanmelden = await stack.client.get("/registratie/inloggen")
        token = re.search(r'name="_csrf_token"\s+value="([^"]+)"', aanmelden.text).group(1)
        r = await stack.client.post("/registratie/inloggen", data={"gebruikersnaam": "gent", "wachtwoord": "demo", "_csrf_token": token, "volgende": "/beleidsplan/"})
        assert r.status_code == 303
        (plan,) = (await stack.client.get("/beleidsplan/api/v1/plannen")).json()["plannen"]

        async def met_aanbod() -> bool:
            return "Opleiding: digitale drempels in het sociaal huis" in (await stack.client.get(plan["pagina"])).text

        await wait_until(met_aanbod, timeout=20)
        assert "Een uitleensysteem voor laptops" in (await stack.client.get(plan["pagina"])).text
        assert "Jullie, " in (await stack.client.get("/beleidsplan/zelfevaluatie")).text
    assert stack.exit_code == 0, stack.console.read_text()
