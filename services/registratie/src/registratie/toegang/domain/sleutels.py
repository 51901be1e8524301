"""Partner credentials, free of I/O: HTTP tokens and NATS user names (the NATS users themselves
are signed by `dinet_chassis.natsauth.PartnerIssuer`).

A token looks like `dnp_k3x9q2ab_<40 random characters>`. The first part (`dnp_k3x9q2ab`) is
the prefix: stored in clear, shown in lists, and used to find the row; the whole token is stored
only as its SHA-256. A token carries 238 bits of randomness, so a fast hash is enough (no one can
guess their way back from it), and checking costs one lookup per request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import unicodedata
from dataclasses import dataclass

PREFIX_START = "dnp_"
_KLEINE_LETTERS = string.ascii_lowercase + string.digits
_ALFABET = string.ascii_letters + string.digits
_TOKEN = re.compile(r"^(dnp_[a-z0-9]{8})_([A-Za-z0-9]{40})$")


@dataclass(frozen=True)
class NieuweSleutel:
    token: str  # shown once, never stored
    prefix: str
    hash: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def nieuwe_sleutel() -> NieuweSleutel:
    prefix = PREFIX_START + "".join(secrets.choice(_KLEINE_LETTERS) for _ in range(8))
    token = f"{prefix}_{''.join(secrets.choice(_ALFABET) for _ in range(40))}"
    return NieuweSleutel(token=token, prefix=prefix, hash=hash_token(token))


def prefix_van(token: str) -> str | None:
    """The prefix of a well-formed token, else None (then no database lookup is needed)."""
    m = _TOKEN.match(token)
    return m.group(1) if m else None


def token_klopt(token: str, opgeslagen_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), opgeslagen_hash)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    schema, _, waarde = authorization.strip().partition(" ")
    if schema.lower() != "bearer" or not waarde.strip():
        return None
    return waarde.strip()


# --- NATS ------------------------------------------------------------------------------------


def nats_gebruikersnaam(organisatie_naam: str) -> str:
    """`partner-mediawijs` for "Mediawijs": readable in the server's logs and on the staff page."""
    zonder_accenten = unicodedata.normalize("NFKD", organisatie_naam).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", zonder_accenten.lower()).strip("-")[:40].strip("-")
    return f"partner-{slug or 'organisatie'}"
