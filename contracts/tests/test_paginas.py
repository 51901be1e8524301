"""The platform's page map: each role's menu and home, and the shared addresses."""

from __future__ import annotations

from dinet_contracts import paginas


def test_each_role_has_its_tasks_and_lands_on_the_first() -> None:
    assert [t for _, t in paginas.menu(["vvsg_medewerker"])] == [
        "Leden", "Activiteiten", "Importeren", "Partners", "Organisatieaanvragen", "Kerncijfers", "Mails",
    ]
    assert paginas.thuis(["vvsg_medewerker"]) == "/registratie/leden"
    assert paginas.thuis(["stuurgroep"]) == "/kpi/"
    assert paginas.thuis(["lokaal_bestuur"]) == "/beleidsplan/"
    assert paginas.thuis(["partner_redacteur"]) == "/registratie/beheer/activiteiten"
    assert paginas.thuis(["lid"]) == "/registratie/mijn/inschrijvingen"
    assert paginas.thuis([]) == paginas.thuis(["onbekende_rol"]) == "/"


def test_several_roles_get_every_task_once_staff_first() -> None:
    beide = paginas.menu(["stuurgroep", "vvsg_medewerker"])
    hrefs = [h for h, _ in beide]
    assert len(hrefs) == len(set(hrefs)) and hrefs[0] == "/registratie/leden" and "/kpi/rapport" in hrefs
    assert paginas.thuis(["lid", "vvsg_medewerker"]) == "/registratie/leden"


def test_no_role_sees_the_public_entries_and_every_address_is_local() -> None:
    assert paginas.menu([]) == list(paginas.PUBLIEK)
    alle = [h for taken in paginas.MENU.values() for h, _ in taken] + [h for h, _ in paginas.PUBLIEK]
    alle += [paginas.INLOGGEN, paginas.UITLOGGEN, paginas.LID_WORDEN, paginas.TOEGANKELIJKHEID, paginas.PRIVACY]
    assert all(h.startswith("/") and not h.startswith("//") for h in alle)
