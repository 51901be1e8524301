"""Demo accounts for the embedded mode, from `demo-accounts.json` beside this file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dinet_chassis.web.auth import Identiteit, Rol

from ..kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from .domain.wachtwoorden import hash_wachtwoord, klopt

BESTAND = Path(__file__).parent / "demo-accounts.json"

# Compared against when the user name is unknown, so a wrong name takes as long as a wrong password.
_NEP_HASH = hash_wachtwoord("niet-te-raden", n=2**14)


@dataclass(frozen=True)
class DemoAccount:
    gebruikersnaam: str
    wachtwoord_hash: str
    identiteit: Identiteit


def _organisatie(waarde: dict[str, str] | None):  # type: ignore[no-untyped-def]
    if not waarde:
        return None
    if "nis_code" in waarde:
        return organisatie_id_voor_nis(waarde["nis_code"])
    return organisatie_id_voor_sleutel(waarde["sleutel"])


@cache
def demo_accounts() -> dict[str, DemoAccount]:
    data = json.loads(BESTAND.read_text(encoding="utf-8"))
    accounts = {}
    for a in data["accounts"]:
        naam = a["gebruikersnaam"]
        accounts[naam] = DemoAccount(
            gebruikersnaam=naam,
            wachtwoord_hash=a["wachtwoord"],
            identiteit=Identiteit(
                sub=f"demo:{naam}",
                naam=a["naam"],
                rollen=frozenset(Rol(r) for r in a["rollen"]),
                organisatie_id=_organisatie(a.get("organisatie")),
            ),
        )
    return accounts


def controleer(gebruikersnaam: str, wachtwoord: str) -> Identiteit | None:
    account = demo_accounts().get(gebruikersnaam.strip().lower())
    if account is None:
        klopt(wachtwoord, _NEP_HASH)
        return None
    return account.identiteit if klopt(wachtwoord, account.wachtwoord_hash) else None
