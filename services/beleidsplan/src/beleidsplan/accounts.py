"""Demo accounts of local governments, for trying the beleidstool without an identity provider.

Loaded only in demo mode. The passwords are public on purpose (the start page lists them), yet
they are still hashed at load and compared in constant time, so the sign-in code is the one a
real account store can keep.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .organisaties import organisatie_id_voor_nis

STANDAARD = Path(__file__).parent / "data" / "demo-accounts.json"

# scrypt with the interactive-login parameters of RFC 7914 (16 MiB, ~50 ms).
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32, "maxmem": 64 * 1024 * 1024}


def _hash(wachtwoord: str, zout: bytes) -> bytes:
    return hashlib.scrypt(wachtwoord.encode("utf-8"), salt=zout, **_SCRYPT)


@dataclass(frozen=True)
class Wachtwoordhash:
    zout: bytes
    hash: bytes

    @classmethod
    def van(cls, wachtwoord: str) -> "Wachtwoordhash":
        zout = os.urandom(16)
        return cls(zout, _hash(wachtwoord, zout))

    def klopt(self, wachtwoord: str) -> bool:
        return hmac.compare_digest(self.hash, _hash(wachtwoord, self.zout))


@dataclass(frozen=True)
class Account:
    gebruikersnaam: str
    organisatie: str
    nis_code: str
    organisatie_id: uuid.UUID
    wachtwoord_hash: Wachtwoordhash = field(repr=False)
    # Kept only so the demo start page can show it; a real account store has no such field.
    demo_wachtwoord: str = field(repr=False, default="")


class Accounts:
    def __init__(self, accounts: list[Account]) -> None:
        self._per_naam = {a.gebruikersnaam: a for a in accounts}
        # Checked for unknown names too, so the answer time does not tell which names exist.
        self._lokaas = Wachtwoordhash.van(os.urandom(16).hex())

    def __iter__(self):
        return iter(self._per_naam.values())

    def __len__(self) -> int:
        return len(self._per_naam)

    def zoek(self, gebruikersnaam: str) -> Account | None:
        return self._per_naam.get(gebruikersnaam)

    def aanmelden(self, gebruikersnaam: str, wachtwoord: str) -> Account | None:
        account = self._per_naam.get(gebruikersnaam.strip().lower())
        klopt = (account.wachtwoord_hash if account else self._lokaas).klopt(wachtwoord)
        return account if account is not None and klopt else None


def laad_demo(pad: Path = STANDAARD) -> Accounts:
    ruw = json.loads(pad.read_text(encoding="utf-8"))
    accounts = []
    for a in ruw["accounts"]:
        accounts.append(
            Account(
                gebruikersnaam=a["gebruikersnaam"].strip().lower(),
                organisatie=a["organisatie"],
                nis_code=a["nis_code"],
                organisatie_id=organisatie_id_voor_nis(a["nis_code"]),
                wachtwoord_hash=Wachtwoordhash.van(a["wachtwoord"]),
                demo_wachtwoord=a["wachtwoord"],
            )
        )
    return Accounts(accounts)


def geen() -> Accounts:
    return Accounts([])
