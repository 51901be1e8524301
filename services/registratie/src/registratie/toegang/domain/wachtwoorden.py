"""Password hashes for the demo accounts: scrypt from the standard library.

Format: `scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`, so the cost can rise later without
invalidating older hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_wachtwoord(wachtwoord: str, *, n: int = _N, r: int = _R, p: int = _P) -> str:
    zout = secrets.token_bytes(16)
    afgeleid = hashlib.scrypt(wachtwoord.encode(), salt=zout, n=n, r=r, p=p, dklen=32)
    return "$".join(["scrypt", str(n), str(r), str(p), base64.b64encode(zout).decode(), base64.b64encode(afgeleid).decode()])


def klopt(wachtwoord: str, opgeslagen: str) -> bool:
    try:
        soort, n, r, p, zout, verwacht = opgeslagen.split("$")
        if soort != "scrypt":
            return False
        afgeleid = hashlib.scrypt(
            wachtwoord.encode(), salt=base64.b64decode(zout), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(afgeleid, base64.b64decode(verwacht))
