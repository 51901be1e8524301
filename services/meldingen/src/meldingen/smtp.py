"""Sending one mail over SMTP (aiosmtplib), with failures sorted into 'try again' and 'give up'."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib


class SmtpFout(Exception):
    """A failed delivery attempt; `blijvend` means retrying cannot help (e.g. unknown recipient)."""

    def __init__(self, reden: str, *, blijvend: bool) -> None:
        super().__init__(reden)
        self.reden = reden
        self.blijvend = blijvend


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
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        raise SmtpFout(
            "ontvanger geweigerd: " + "; ".join(f"{r.code} {r.message}" for r in exc.recipients),
            blijvend=bool(codes) and all(500 <= c < 600 for c in codes),
        ) from exc
    except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as exc:
        # The server judged this message or address; a 5xx answer will not change on retry.
        raise SmtpFout(f"{exc.code} {exc.message}", blijvend=500 <= exc.code < 600) from exc
    except aiosmtplib.SMTPResponseException as exc:
        # Login, sender or greeting refused: a configuration problem that can be fixed, so keep trying.
        raise SmtpFout(f"{exc.code} {exc.message}", blijvend=False) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise SmtpFout(f"mailserver niet bereikbaar: {exc}", blijvend=False) from exc
