"""Partner credentials, free of I/O: HTTP tokens and NATS users.

A token looks like `dnp_k3x9q2ab_<40 random characters>`. The first part (`dnp_k3x9q2ab`) is
the prefix: stored in clear, shown in lists, and used to find the row; the whole token is stored
only as its SHA-256. A token carries 238 bits of randomness, so a fast hash is enough (no one can
guess their way back from it), and checking costs one lookup per request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import string
import unicodedata
import uuid
from dataclasses import dataclass

import bcrypt

PREFIX_START = "dnp_"
_KLEINE_LETTERS = string.ascii_lowercase + string.digits
_ALFABET = string.ascii_letters + string.digits
_TOKEN = re.compile(r"^(dnp_[a-z0-9]{8})_([A-Za-z0-9]{40})$")
NATS_WACHTWOORD_LENGTE = 32
BCRYPT_KOST = 11  # what `nats server passwd` uses; checked once per connection, not per message


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


@dataclass(frozen=True)
class NieuweNatsGebruiker:
    gebruiker: str
    wachtwoord: str  # shown once, never stored
    wachtwoord_bcrypt: str


def nats_gebruikersnaam(organisatie_naam: str) -> str:
    """`partner-mediawijs` for "Mediawijs": readable in the server config and in its logs."""
    zonder_accenten = unicodedata.normalize("NFKD", organisatie_naam).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", zonder_accenten.lower()).strip("-")[:40].strip("-")
    return f"partner-{slug or 'organisatie'}"


def nieuwe_nats_gebruiker(organisatie_naam: str) -> NieuweNatsGebruiker:
    wachtwoord = "".join(secrets.choice(_ALFABET) for _ in range(NATS_WACHTWOORD_LENGTE))
    gehasht = bcrypt.hashpw(wachtwoord.encode(), bcrypt.gensalt(BCRYPT_KOST)).decode()
    return NieuweNatsGebruiker(
        gebruiker=nats_gebruikersnaam(organisatie_naam), wachtwoord=wachtwoord, wachtwoord_bcrypt=gehasht
    )


def partners_json_item(organisatie_id: uuid.UUID, organisatie_naam: str, gebruiker: str, wachtwoord_bcrypt: str) -> str:
    """The entry staff add to deploy/nats/partners.json (the generator turns it into a NATS user)."""
    return json.dumps(
        {
            "organisatie_id": str(organisatie_id),
            "naam": organisatie_naam,
            "gebruiker": gebruiker,
            "wachtwoord_bcrypt": wachtwoord_bcrypt,
        },
        ensure_ascii=False,
        indent=2,
    )
