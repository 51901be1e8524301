"""NATS accounts and users as signed JWTs (NATS decentralised authentication).

Why JWTs and not users in the server config: a partner's NATS access is issued and revoked by
the issuing service (`PARTNER_ISSUER` in the topology) while everything runs. A user JWT signed with the PARTNER account's signing key is
valid at once, without the server hearing of it; a revocation is a new PARTNER account JWT,
pushed to the server's account resolver, which refuses the user from then on and disconnects it
if connected. No file is edited and no server is reloaded, embedded or in production.

The layout, the same for `dinet up` (in the data folder) and for production (a secrets folder
written once by `python -m dinet_chassis.natsauth <folder>`); each part is meant to be mounted
only where it is needed:

    keys/                 identity seeds of the operator and the accounts: only this command needs them
    server/auth.conf      operator JWT, system account and the account JWTs: for nats-server (no secrets)
    server/cluster.conf   the route user and password of a cluster and the routes with them (a secret):
                          every node accepts a route only with it, so no other server can join
    <service>/<service>.creds   each service's user, allowed exactly what deploy/ allows it
    <issuer>/partner-uitgifte.json   what the issuing service needs to issue and revoke partner users
    beheer/beheer.creds   the operator CLI (`dinet status`, `dinet dlq`, ...): everything in DINET

Accounts: DINET (the services, JetStream), PARTNER (partners: each user publishes only below
its organisation's prefix; the account exports `dinet.partner.>`, which DINET imports into the
DINET_PARTNERS stream) and SYS (the server's system account).

Running the command again keeps every key and re-issues the service users, so their
permissions follow the contracts; users issued to partners stay valid.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nkeys

from dinet_contracts.generate import CLUSTER_NODES, CLUSTER_ROUTE_PORT, service_permissions
from dinet_contracts.topology import PARTNER_ISSUER, PARTNER_PREFIX, SERVICES, partner_subject_prefix

DINET_ACCOUNT = "DINET"
PARTNER_ACCOUNT = "PARTNER"
SYSTEM_ACCOUNT = "SYS"
ADMIN_USER = "beheer"  # the operator CLI

CLAIMS_UPDATE = "$SYS.REQ.CLAIMS.UPDATE"
UNLIMITED = -1

_PREFIXES = {
    "operator": nkeys.PREFIX_BYTE_OPERATOR,
    "account": nkeys.PREFIX_BYTE_ACCOUNT,
    "user": nkeys.PREFIX_BYTE_USER,
}


# --------------------------------------------------------------------------- keys and JWTs


def new_seed(kind: str) -> str:
    return nkeys.encode_seed(os.urandom(32), _PREFIXES[kind]).decode()


def keypair(seed: str) -> nkeys.KeyPair:
    return nkeys.from_seed(seed.encode())


def public_key(seed: str) -> str:
    return keypair(seed).public_key.decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_HEADER = _b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}, separators=(",", ":")).encode())


def encode_jwt(claims: dict[str, Any], issuer_seed: str, issued_at: int | None = None) -> str:
    """A JWT in the nats-io/jwt v2 format: `jti` is the base32 SHA-512/256 of the claims."""
    claims = {**claims, "iss": public_key(issuer_seed), "jti": "", "iat": issued_at or int(time.time())}
    digest = hashlib.new("sha512_256", json.dumps(claims, separators=(",", ":")).encode()).digest()
    claims["jti"] = base64.b32encode(digest).decode().rstrip("=")
    body = f"{_HEADER}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
    signature = keypair(issuer_seed).sign(body.encode())
    return f"{body}.{_b64(signature)}"


def decode_jwt(token: str) -> dict[str, Any]:
    """The claims of a JWT whose signature matches its issuer; ValueError otherwise."""
    import nacl.signing

    try:
        header, body, signature = token.split(".")
        claims = json.loads(_unb64(body))
        raw = base64.b32decode(claims["iss"] + "=" * (-len(claims["iss"]) % 8))
        nacl.signing.VerifyKey(raw[1:33]).verify(f"{header}.{body}".encode(), _unb64(signature))
    except Exception as exc:
        raise ValueError("geen geldige NATS-JWT") from exc
    return claims  # type: ignore[no-any-return]


def creds(user_jwt: str, user_seed: str) -> str:
    """A `.creds` file as nats-py, the nats CLI and every other NATS client read it."""
    return (
        "-----BEGIN NATS USER JWT-----\n"
        f"{user_jwt}\n"
        "------END NATS USER JWT------\n\n"
        "************************* IMPORTANT *************************\n"
        "NKEY Seed printed below can be used to sign and prove identity.\n"
        "NKEYs are sensitive and should be treated as secrets.\n\n"
        "-----BEGIN USER NKEY SEED-----\n"
        f"{user_seed}\n"
        "------END USER NKEY SEED------\n\n"
        "*************************************************************\n"
    )


def creds_jwt(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    return lines[lines.index("-----BEGIN NATS USER JWT-----") + 1]


def creds_seed(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    return lines[lines.index("-----BEGIN USER NKEY SEED-----") + 1]


# --------------------------------------------------------------------------- claims


def operator_claims(operator_pub: str, signing_pub: str, system_pub: str) -> dict[str, Any]:
    return {
        "sub": operator_pub,
        "name": "dinet",
        "nats": {
            "signing_keys": [signing_pub],
            "system_account": system_pub,
            "type": "operator",
            "version": 2,
        },
    }


def _limits(jetstream: bool) -> dict[str, Any]:
    limits: dict[str, Any] = {
        "subs": UNLIMITED,
        "data": UNLIMITED,
        "payload": UNLIMITED,
        "imports": UNLIMITED,
        "exports": UNLIMITED,
        "wildcards": True,
        "conn": UNLIMITED,
        "leaf": UNLIMITED,
    }
    if jetstream:
        limits |= {"mem_storage": UNLIMITED, "disk_storage": UNLIMITED, "streams": UNLIMITED, "consumer": UNLIMITED}
    return limits


def account_claims(
    name: str,
    account_pub: str,
    *,
    partner_pub: str = "",
    signing_keys: Iterable[str] = (),
    revocations: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The claims of one of our three accounts; the same function makes them at set-up and when
    the issuing service revokes a partner user, so a revocation changes nothing else."""
    nats: dict[str, Any] = {
        "limits": _limits(jetstream=name == DINET_ACCOUNT),
        "default_permissions": {"pub": {}, "sub": {}},
        "type": "account",
        "version": 2,
    }
    if name == DINET_ACCOUNT:
        # What partners publish in their own account arrives here, in the DINET_PARTNERS stream.
        nats["imports"] = [
            {"name": "partners", "subject": f"{PARTNER_PREFIX}.>", "account": partner_pub, "type": "stream"}
        ]
    if name == PARTNER_ACCOUNT:
        nats["exports"] = [{"name": "partners", "subject": f"{PARTNER_PREFIX}.>", "type": "stream"}]
    if signing_keys:
        nats["signing_keys"] = list(signing_keys)
    if revocations:
        nats["revocations"] = dict(sorted(revocations.items()))
    return {"sub": account_pub, "name": name, "nats": nats}


def user_claims(
    name: str, user_pub: str, *, publish: Iterable[str], subscribe: Iterable[str] = (), deny_subscribe: bool = False,
    issuer_account: str = "",
) -> dict[str, Any]:
    permissions: dict[str, Any] = {"pub": {"allow": list(publish)}}
    permissions["sub"] = {"deny": [">"]} if deny_subscribe else {"allow": list(subscribe)}
    nats: dict[str, Any] = {
        **permissions,
        "subs": UNLIMITED,
        "data": UNLIMITED,
        "payload": UNLIMITED,
        "type": "user",
        "version": 2,
    }
    if issuer_account:
        nats["issuer_account"] = issuer_account
    return {"sub": user_pub, "name": name, "nats": nats}


def service_user_claims(service: str, user_pub: str) -> dict[str, Any]:
    """Exactly the permissions of the generator (deploy/ and embedded are the same)."""
    perms = service_permissions(service)
    return user_claims(service, user_pub, publish=perms.publish, subscribe=perms.subscribe)


def partner_publish(organisatie_id: str) -> str:
    return f"{partner_subject_prefix(organisatie_id)}.>"


# --------------------------------------------------------------------------- issuing partner users


@dataclass(frozen=True)
class PartnerUser:
    name: str
    public_key: str
    jwt: str
    creds: str  # JWT and seed: handed to the partner once, never stored


@dataclass(frozen=True)
class PartnerIssuer:
    """What the issuing service holds: the PARTNER account's signing key (issues users without any
    server contact), an operator signing key (re-signs the PARTNER account with its revocations)
    and a system-account user that may only push account JWTs to the resolver."""

    partner_account: str
    partner_signing_seed: str
    operator_signing_seed: str
    system_creds: str

    @classmethod
    def load(cls, path: str | Path) -> "PartnerIssuer":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))

    def issue(self, name: str, organisatie_id: str) -> PartnerUser:
        seed = new_seed("user")
        pub = public_key(seed)
        claims = user_claims(
            name, pub, publish=[partner_publish(organisatie_id)], deny_subscribe=True,
            issuer_account=self.partner_account,
        )
        token = encode_jwt(claims, self.partner_signing_seed)
        return PartnerUser(name=name, public_key=pub, jwt=token, creds=creds(token, seed))

    def account_jwt(self, revocations: Mapping[str, int]) -> str:
        claims = account_claims(
            PARTNER_ACCOUNT,
            self.partner_account,
            signing_keys=[public_key(self.partner_signing_seed)],
            revocations=revocations,
        )
        return encode_jwt(claims, self.operator_signing_seed)

    async def push(self, url: str, revocations: Mapping[str, int], timeout: float = 5.0) -> None:
        """Send the PARTNER account, with these revoked users, to the server's resolver. The
        server disconnects revoked users that are connected and refuses them from then on."""
        import nats

        token = self.account_jwt(revocations)
        user_jwt = creds_jwt(self.system_creds).encode()
        seed = creds_seed(self.system_creds)

        def sign(nonce: str) -> bytes:  # the credentials stay in memory, never in a file
            return base64.b64encode(keypair(seed).sign(nonce.encode()))

        # nats-py keeps trying an unreachable server for ever with 0 attempts: allow one,
        # and bound the whole attempt, so a caller hears of an outage in seconds.
        nc = await asyncio.wait_for(
            nats.connect(
                # Any node of a cluster will do: it passes the update on to the others.
                [u.strip() for u in url.split(",") if u.strip()],
                user_jwt_cb=lambda: user_jwt,
                signature_cb=sign,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.1,
                connect_timeout=timeout,
            ),
            timeout,
        )
        try:
            reply = await nc.request(CLAIMS_UPDATE, token.encode(), timeout=timeout)
        finally:
            await nc.close()
        answer = json.loads(reply.data or b"{}")
        if answer.get("error") or (answer.get("data") or {}).get("code") != 200:
            raise RuntimeError(f"NATS weigerde de accountupdate: {answer}")


# --------------------------------------------------------------------------- the folder


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    tmp.replace(path)


def _seed(keys: Path, name: str, kind: str) -> str:
    path = keys / f"{name}.nk"
    if path.exists():
        return path.read_text().strip()
    seed = new_seed(kind)
    _write_private(path, seed + "\n")
    return seed


def _created(keys: Path) -> int:
    """When the keys were made (a second earlier, so anything signed later is strictly newer);
    kept in a file, since copying the folder changes its files' times."""
    path = keys / "gemaakt"
    if not path.exists():
        _write_private(path, f"{int(time.time()) - 1}\n")
    return int(path.read_text().strip())


@dataclass(frozen=True)
class NatsAuth:
    """The folder with every key and credential; `ensure` makes what is missing."""

    root: Path

    @property
    def server_conf(self) -> Path:
        return self.root / "server" / "auth.conf"

    @property
    def cluster_conf(self) -> Path:
        return self.root / "server" / "cluster.conf"

    def creds_path(self, user: str) -> Path:
        return self.root / user / f"{user}.creds"

    def route_password(self) -> str:
        return (self.root / "keys" / "route-password").read_text(encoding="utf-8").strip()

    def route_url(self, host: str, port: int) -> str:
        """A route to another node, carrying the cluster's route user (a node refuses any other)."""
        return f"nats-route://{ROUTE_USER}:{self.route_password()}@{host}:{port}"

    @property
    def admin_creds(self) -> Path:
        return self.creds_path(ADMIN_USER)

    @property
    def partner_issuer_path(self) -> Path:
        return self.root / PARTNER_ISSUER / "partner-uitgifte.json"

    def partner_issuer(self) -> PartnerIssuer:
        return PartnerIssuer.load(self.partner_issuer_path)

    def ensure(self) -> "NatsAuth":
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        keys = self.root / "keys"
        operator = _seed(keys, "operator", "operator")
        operator_signing = _seed(keys, "operator-signing", "operator")
        accounts = {name: _seed(keys, name, "account") for name in (DINET_ACCOUNT, PARTNER_ACCOUNT, SYSTEM_ACCOUNT)}
        partner_signing = _seed(keys, "partner-signing", "account")
        pubs = {name: public_key(seed) for name, seed in accounts.items()}
        # Accounts carry the age of the folder, not of this run: a PARTNER account that
        # the issuing service pushed later (with revocations) is newer, so the server keeps that one
        # over these when it starts again.
        made = _created(keys)

        operator_jwt = encode_jwt(
            operator_claims(public_key(operator), public_key(operator_signing), pubs[SYSTEM_ACCOUNT]), operator, made
        )
        account_jwts = {
            DINET_ACCOUNT: encode_jwt(
                account_claims(DINET_ACCOUNT, pubs[DINET_ACCOUNT], partner_pub=pubs[PARTNER_ACCOUNT]), operator, made
            ),
            PARTNER_ACCOUNT: encode_jwt(
                account_claims(PARTNER_ACCOUNT, pubs[PARTNER_ACCOUNT], signing_keys=[public_key(partner_signing)]),
                operator,
                made,
            ),
            SYSTEM_ACCOUNT: encode_jwt(account_claims(SYSTEM_ACCOUNT, pubs[SYSTEM_ACCOUNT]), operator, made),
        }
        preload = "\n".join(f"    # {name}\n    {pubs[name]}: {token}" for name, token in account_jwts.items())
        _write_private(
            self.server_conf,
            "# Written by `python -m dinet_chassis.natsauth`; holds public keys and signed JWTs only.\n"
            f"operator: {operator_jwt}\n"
            f"system_account: {pubs[SYSTEM_ACCOUNT]}\n"
            # The resolver keeps pushed account updates (revocations) in its own folder; these
            # are the first versions, which a newer pushed one replaces.
            f"resolver_preload: {{\n{preload}\n}}\n",
        )

        def user(name: str, account: str, claims_for: Callable[[str], dict[str, Any]], write: bool = True) -> str:
            seed = _seed(keys, f"user-{name}", "user")
            # Signed as of the folder's age, like the accounts: running the command again gives the
            # same file unless the permissions changed (no spurious difference a second later).
            text = creds(encode_jwt(claims_for(public_key(seed)), accounts[account], made), seed)
            if write:
                _write_private(self.creds_path(name), text)
            return text

        for service in SERVICES:
            user(service, DINET_ACCOUNT, lambda pub, s=service: service_user_claims(s, pub))
        user(ADMIN_USER, DINET_ACCOUNT, lambda pub: user_claims(ADMIN_USER, pub, publish=[">"], subscribe=[">"]))
        system = user(
            "partnerbeheer",
            SYSTEM_ACCOUNT,
            lambda pub: user_claims("partnerbeheer", pub, publish=[CLAIMS_UPDATE], subscribe=["_INBOX.>"]),
            write=False,  # it lives only inside the issuer's partner-uitgifte.json
        )
        issuer = PartnerIssuer(
            partner_account=pubs[PARTNER_ACCOUNT],
            partner_signing_seed=partner_signing,
            operator_signing_seed=operator_signing,
            system_creds=system,
        )
        _write_private(self.partner_issuer_path, json.dumps(issuer.__dict__, indent=2) + "\n")
        self._cluster_routes(keys)
        return self

    def _cluster_routes(self, keys: Path) -> None:
        # The route port carries every account's traffic and knows no JWT: without a route user,
        # any server that reaches port 6222 joins the cluster and reads every stream.
        path = keys / "route-password"
        if not path.exists():
            _write_private(path, secrets.token_urlsafe(32) + "\n")
        routes = "".join(f'\n    "{self.route_url(node, CLUSTER_ROUTE_PORT)}"' for node in CLUSTER_NODES)
        _write_private(
            self.cluster_conf,
            "# Written by `python -m dinet_chassis.natsauth`: the route user of deploy/nats/cluster (a secret).\n"
            f'DINET_ROUTE_USER: "{ROUTE_USER}"\n'
            f'DINET_ROUTE_PASSWORD: "{self.route_password()}"\n'
            f"DINET_ROUTES: [{routes}\n]\n",
        )


# The user every node of a cluster presents on its routes (the password is made once, in keys/).
ROUTE_USER = "dinet-route"


# What nats-server must accept in a CONNECT line: a service user's JWT carries its permissions
# (seven subjects per durable consumer), and grows past the default 4 KB.
MAX_CONTROL_LINE = "64KB"


def server_conf_text(auth: NatsAuth, resolver_dir: Path | str) -> str:
    """The authentication part of a server config: operator, accounts and the full resolver,
    which accepts pushed account updates and keeps them in `resolver_dir`."""
    return (
        auth.server_conf.read_text(encoding="utf-8")
        + f'resolver: {{\n    type: full\n    dir: "{resolver_dir}"\n    allow_delete: false\n}}\n'
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print(
            "Gebruik: python -m dinet_chassis.natsauth <map>\n"
            "Maakt (eenmalig) de sleutels voor NATS en schrijft de gebruikers van de diensten opnieuw.",
            file=sys.stderr,
        )
        return 2
    auth = NatsAuth(Path(args[0]).resolve()).ensure()
    print(f"NATS-sleutels en -gebruikers staan in {auth.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
