"""Fast: how a failed send is sorted into 'try again' and 'give up' (one rule for both senders)."""

from __future__ import annotations

import aiosmtplib
import pytest

from meldingen.smtp import smtp_fout


@pytest.mark.parametrize(
    ("exc", "blijvend", "reden"),
    [
        (aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@x.be"), True, "550 no such user"),
        (aiosmtplib.SMTPRecipientRefused(451, "try later", "a@x.be"), False, "451 try later"),
        (aiosmtplib.SMTPDataError(554, "spam"), True, "554 spam"),
        (aiosmtplib.SMTPResponseException(535, "auth failed"), False, "535 auth failed"),
        (aiosmtplib.SMTPServerDisconnected("weg"), False, "mailserver niet bereikbaar: weg"),
        (ConnectionRefusedError("refused"), False, "mailserver niet bereikbaar: refused"),
    ],
)
def test_een_fout_wordt_blijvend_of_tijdelijk(exc: Exception, blijvend: bool, reden: str) -> None:
    fout = smtp_fout(exc)  # type: ignore[arg-type]
    assert (fout.blijvend, fout.reden) == (blijvend, reden)


def test_geweigerde_ontvangers_zijn_enkel_blijvend_als_alle_weigeringen_5xx_zijn() -> None:
    def geweigerd(*codes: int) -> aiosmtplib.SMTPRecipientsRefused:
        return aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(c, "nee", f"{c}@x.be") for c in codes])

    assert smtp_fout(geweigerd(550, 553)).blijvend is True
    assert smtp_fout(geweigerd(550, 450)).blijvend is False
    assert smtp_fout(geweigerd()).blijvend is False
    assert smtp_fout(geweigerd(550)).reden == "ontvanger geweigerd: 550 nee"
