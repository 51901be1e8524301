"""Sign-in through OpenID Connect (authorization-code flow with PKCE), configured by environment.

    OIDC_ISSUER              https://login.example.be/realms/dinet (discovery at /.well-known/openid-configuration)
    OIDC_CLIENT_ID           dinet
    OIDC_CLIENT_SECRET       ...
    OIDC_ROLLEN_CLAIM        claim with the person's roles (default `roles`; a list or a space-separated string;
                             a dotted path such as `realm_access.roles` reaches into an object)
    OIDC_ROLLEN              optional mapping of the provider's role names onto ours,
                             e.g. `dinet-staff=vvsg_medewerker,dinet-sg=stuurgroep`; without it the claim must
                             hold our names (vvsg_medewerker, partner_redacteur, stuurgroep, lokaal_bestuur, lid)
    OIDC_ORGANISATIE_CLAIM   claim with the organisation id (UUID) of a partner or local government
                             (default `dinet_organisatie_id`)
    OIDC_SCOPES              default `openid profile email`
    OIDC_REDIRECT_URI        default DINET_PUBLIC_URL + /registratie/inloggen/oidc/terug

The provider (e.g. the Flemish government's ACM/IDM or a Keycloak) decides who someone is; we
only map its roles. authlib speaks OAuth 2.0 (authorization URL, PKCE, token request) and
joserfc (authlib's JOSE library) checks the ID token's signature and claims.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from dinet_chassis.logging import get_logger
from dinet_chassis.web.auth import Identiteit, Rol
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = get_logger(__name__)

TERUGPAD = "/registratie/inloggen/oidc/terug"
DISCOVERY_GELDIG = 3600.0  # seconds a discovery document and key set are trusted before refetching
TOEGELATEN_ALGORITMEN = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
# Roles that only make sense for one organisation: without an organisation id they are not given.
ROLLEN_MET_ORGANISATIE = frozenset({Rol.PARTNER, Rol.BESTUUR})


class OidcInstellingen(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    issuer: str = Field("", validation_alias=AliasChoices("OIDC_ISSUER", "issuer"))
    client_id: str = Field("", validation_alias=AliasChoices("OIDC_CLIENT_ID", "client_id"))
    client_secret: str = Field("", validation_alias=AliasChoices("OIDC_CLIENT_SECRET", "client_secret"))
    rollen_claim: str = Field("roles", validation_alias=AliasChoices("OIDC_ROLLEN_CLAIM", "rollen_claim"))
    rollen: str = Field("", validation_alias=AliasChoices("OIDC_ROLLEN", "rollen"))
    organisatie_claim: str = Field(
        "dinet_organisatie_id", validation_alias=AliasChoices("OIDC_ORGANISATIE_CLAIM", "organisatie_claim")
    )
    scopes: str = Field("openid profile email", validation_alias=AliasChoices("OIDC_SCOPES", "scopes"))
    redirect_uri: str = Field("", validation_alias=AliasChoices("OIDC_REDIRECT_URI", "redirect_uri"))

    @property
    def ingesteld(self) -> bool:
        return bool(self.issuer and self.client_id)

    def rollen_mapping(self) -> dict[str, Rol]:
        """Provider role -> our role. Unknown targets are a configuration error, raised at once."""
        mapping: dict[str, Rol] = {}
        for paar in filter(None, (p.strip() for p in self.rollen.split(","))):
            extern, _, intern = paar.partition("=")
            mapping[extern.strip()] = Rol(intern.strip())
        return mapping or {r.value: r for r in Rol}

    def terug_url(self, public_url: str) -> str:
        return self.redirect_uri or f"{public_url.rstrip('/')}{TERUGPAD}"


class OidcFout(Exception):
    """Signing in through the provider failed; `melding` is shown to the person (Dutch)."""

    def __init__(self, melding: str, reden: str) -> None:
        super().__init__(reden)
        self.melding = melding
        self.reden = reden


@dataclass
class _Provider:
    """The provider's discovery document and keys, cached per service process."""

    metadata: dict[str, Any]
    opgehaald: float
    sleutels: KeySet | None = None
    sleutels_opgehaald: float = 0.0


@dataclass(frozen=True)
class Start:
    url: str
    state: str
    nonce: str
    code_verifier: str


def _client(inst: OidcInstellingen, terug_url: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=inst.client_id,
        client_secret=inst.client_secret or None,
        token_endpoint_auth_method="client_secret_basic" if inst.client_secret else "none",
        scope=inst.scopes,
        redirect_uri=terug_url,
        code_challenge_method="S256",
        timeout=10.0,
    )


class OidcKlant:
    """The relying party: one per service process (it caches the provider's metadata and keys)."""

    def __init__(self, inst: OidcInstellingen, public_url: str) -> None:
        self.inst = inst
        self.terug_url = inst.terug_url(public_url)
        self._provider: _Provider | None = None

    async def _haal(self, url: str) -> Any:
        try:
            async with _client(self.inst, self.terug_url) as http:
                return await http.request("GET", url, withhold_token=True)  # public documents: no token
        except Exception as exc:  # transport errors of authlib's HTTP client
            raise OidcFout("De inlogpagina van je organisatie antwoordt niet.", f"{url}: {exc!r}") from exc

    async def _metadata(self) -> dict[str, Any]:
        if self._provider is None or time.monotonic() - self._provider.opgehaald > DISCOVERY_GELDIG:
            url = f"{self.inst.issuer.rstrip('/')}/.well-known/openid-configuration"
            antwoord = await self._haal(url)
            if antwoord.status_code != 200:
                raise OidcFout("De inlogpagina van je organisatie antwoordt niet.", f"discovery {antwoord.status_code}")
            metadata = antwoord.json()
            # OpenID Connect Discovery 1.0, 4.3: the document must be for exactly this issuer.
            if metadata.get("issuer") != self.inst.issuer:
                raise OidcFout("Het inloggen is verkeerd ingesteld.", f"issuer {metadata.get('issuer')!r}")
            self._provider = _Provider(metadata=metadata, opgehaald=time.monotonic())
        return self._provider.metadata

    async def _sleutels(self, vernieuw: bool = False) -> KeySet:
        metadata = await self._metadata()
        assert self._provider is not None
        p = self._provider
        if vernieuw or p.sleutels is None or time.monotonic() - p.sleutels_opgehaald > DISCOVERY_GELDIG:
            antwoord = await self._haal(metadata["jwks_uri"])
            if antwoord.status_code != 200:
                raise OidcFout("De inlogpagina van je organisatie antwoordt niet.", f"jwks {antwoord.status_code}")
            p.sleutels = KeySet.import_key_set(antwoord.json())
            p.sleutels_opgehaald = time.monotonic()
        return p.sleutels

    async def start(self) -> Start:
        metadata = await self._metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        async with _client(self.inst, self.terug_url) as http:
            url, _ = http.create_authorization_url(
                metadata["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
            )
        return Start(url=url, state=state, nonce=nonce, code_verifier=verifier)

    async def terug(self, *, code: str, nonce: str, code_verifier: str) -> Identiteit:
        """Exchange the code, check the ID token and turn its claims into an Identiteit."""
        metadata = await self._metadata()
        async with _client(self.inst, self.terug_url) as http:
            try:
                token = await http.fetch_token(
                    metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
            except Exception as exc:  # authlib raises OAuthError, httpx transport errors, ...
                raise OidcFout("Je organisatie weigerde de aanmelding. Probeer opnieuw.", f"token: {exc!r}") from exc
            id_token = token.get("id_token")
            if not id_token:
                raise OidcFout("Het inloggen gaf geen identiteit terug.", "geen id_token")
            claims = await self._controleer_id_token(id_token, nonce, metadata)
            waarde = _claim(claims, self.inst.rollen_claim)
            if waarde is None and metadata.get("userinfo_endpoint"):
                # Some providers keep roles out of the ID token to keep it small.
                antwoord = await http.get(metadata["userinfo_endpoint"], headers={"Accept": "application/json"})
                if antwoord.status_code == 200:
                    info = antwoord.json()
                    if info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: must match, or ignore it
                        claims = {**info, **claims}
        return identiteit_uit_claims(claims, self.inst)

    async def _controleer_id_token(self, id_token: str, nonce: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
        algoritmen = [
            a for a in metadata.get("id_token_signing_alg_values_supported", ["RS256"]) if a in TOEGELATEN_ALGORITMEN
        ]
        try:
            try:
                decoded = jwt.decode(id_token, await self._sleutels(), algorithms=algoritmen)
            except (JoseError, ValueError):
                # The provider may have rotated its keys since we fetched them.
                decoded = jwt.decode(id_token, await self._sleutels(vernieuw=True), algorithms=algoritmen)
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": self.inst.issuer},
                aud={"essential": True, "value": self.inst.client_id},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise OidcFout("Het inloggen kon niet worden gecontroleerd. Probeer opnieuw.", f"id_token: {exc!r}") from exc
        claims = dict(decoded.claims)
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.inst.client_id:
            raise OidcFout("Het inloggen kon niet worden gecontroleerd. Probeer opnieuw.", "azp")
        return claims


def _claim(claims: Mapping[str, Any], pad: str) -> Any:
    waarde: Any = claims
    for deel in pad.split("."):
        if not isinstance(waarde, Mapping) or deel not in waarde:
            return None
        waarde = waarde[deel]
    return waarde


def identiteit_uit_claims(claims: Mapping[str, Any], inst: OidcInstellingen) -> Identiteit:
    """Our identity from the provider's claims; roles the mapping does not know are ignored."""
    ruw = _claim(claims, inst.rollen_claim)
    if isinstance(ruw, str):
        namen = ruw.split()
    elif isinstance(ruw, list):
        namen = [str(r) for r in ruw]
    else:
        namen = []
    mapping = inst.rollen_mapping()
    rollen = {mapping[n] for n in namen if n in mapping}

    organisatie_id: uuid.UUID | None = None
    org = _claim(claims, inst.organisatie_claim)
    if org:
        try:
            organisatie_id = uuid.UUID(str(org))
        except ValueError:
            log.warning("oidc.organisatie_ongeldig", waarde=str(org)[:80])
    if organisatie_id is None and rollen & ROLLEN_MET_ORGANISATIE:
        log.warning("oidc.rol_zonder_organisatie", rollen=sorted(r.value for r in rollen & ROLLEN_MET_ORGANISATIE))
        rollen -= ROLLEN_MET_ORGANISATIE

    naam = claims.get("name") or claims.get("preferred_username") or claims.get("email") or str(claims["sub"])
    return Identiteit(
        sub=f"oidc:{claims['sub']}",
        naam=str(naam)[:200],
        rollen=frozenset(rollen),
        organisatie_id=organisatie_id,
    )
