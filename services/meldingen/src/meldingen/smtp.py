"""Sending one mail over SMTP (aiosmtplib), with failures sorted into 'try again' and 'give up'."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit
from uuid import UUID

import aiosmtplib


class SmtpFout(Exception):
    """A failed delivery attempt; `blijvend` means retrying cannot help (e.g. unknown recipient)."""

    def __init__(self, reden: str, *, blijvend: bool) -> None:
        super().__init__(reden)
        self.reden = reden
        self.blijvend = blijvend


# The server's judgement of this message or its addresses, not of the connection or the login.
_OORDEEL_OVER_BERICHT = (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError)


def smtp_fout(exc: aiosmtplib.SMTPException | OSError) -> SmtpFout:
    """Sorts a failed send into 'try again' and 'give up', the same for the one-off and the pooled sender."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        return SmtpFout(
            "ontvanger geweigerd: " + "; ".join(f"{r.code} {r.message}" for r in exc.recipients),
            blijvend=bool(codes) and all(500 <= c < 600 for c in codes),
        )
    if isinstance(exc, (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError)):
        # The server judged this message or address; a 5xx answer will not change on retry.
        return SmtpFout(f"{exc.code} {exc.message}", blijvend=500 <= exc.code < 600)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        # Login, sender or greeting refused: a configuration problem that can be fixed, so keep trying.
        return SmtpFout(f"{exc.code} {exc.message}", blijvend=False)
    return SmtpFout(f"mailserver niet bereikbaar: {exc}", blijvend=False)


@dataclass(frozen=True)
class RuweMail:
    """A mail written out as bytes (see samenstellen.ruw_nieuwsbriefbericht), with its envelope."""

    afzender: str
    ontvangers: tuple[str, ...]
    data: bytes


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    use_tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> "SmtpConfig":
        """`smtp://[user:pass@]host[:port]` (STARTTLS when offered) or `smtps://...` (TLS from the start)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"SMTP_URL moet beginnen met smtp:// of smtps://, niet {parts.scheme!r}")
        use_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if use_tls else 25),
            use_tls=use_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


async def verstuur(config: SmtpConfig, bericht: EmailMessage) -> None:
    try:
        await aiosmtplib.send(
            bericht,
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.use_tls,
            timeout=config.timeout,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise smtp_fout(exc) from exc


def _envelop_afzender(bericht: EmailMessage) -> str | None:
    from .use_cases.bouncen import bounce_adres

    mid = str(bericht.get("Message-ID", ""))
    if mid.startswith("<melding.") and mid.endswith("@meldingen.dinet>"):
        return bounce_adres(UUID(mid[len("<melding."):-len("@meldingen.dinet>")]))
    return None


class SmtpVerbinding:
    """One SMTP session kept open across mails (connect, EHLO, STARTTLS and login once), as a
    mailing tool does: a newsletter's thousands of mails do not each pay for a new session.
    Any failure closes it; the next mail opens a fresh one."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    async def _open(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        c = self.config
        client = aiosmtplib.SMTP(hostname=c.host, port=c.port, use_tls=c.use_tls, timeout=c.timeout)
        await client.connect()
        if c.username and c.password:
            await client.login(c.username, c.password)
        self._client = client
        return client

    async def sluit(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()

    async def verstuur(self, bericht: EmailMessage | RuweMail) -> None:
        try:
            client = await self._open()
            if isinstance(bericht, RuweMail):
                await client.sendmail(bericht.afzender, list(bericht.ontvangers), bericht.data)
            else:
                # VERP: the envelope sender names the mail, so a bounce says which one it was.
                await client.send_message(bericht, sender=_envelop_afzender(bericht))
        except (aiosmtplib.SMTPException, OSError) as exc:
            if isinstance(exc, _OORDEEL_OVER_BERICHT):
                # The connection is fine; only this message's transaction has to be cleared.
                await self._reset()
            elif isinstance(exc, aiosmtplib.SMTPResponseException):
                await self.sluit()
            else:
                if self._client is not None:
                    self._client.close()
                self._client = None
            raise smtp_fout(exc) from exc

    async def _reset(self) -> None:
        """After a refused message the session is in an unknown state: RSET, or start over."""
        if self._client is None:
            return
        try:
            await self._client.rset()
        except (aiosmtplib.SMTPException, OSError):
            self._client.close()
            self._client = None
