"""The decisions and mails, without servers."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from meldingen.domain import (
    Contact,
    NieuweGegevens,
    Soort,
    Token,
    TokenStatus,
    beoordeel_token,
    nieuw_token,
    token_hash,
    verwerk_contactgegevens,
    volgende_poging_na,
)
from meldingen.domain.mails import bevestigingslink
from meldingen.smtp import SmtpConfig

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
LID = uuid4()


def gegevens(**kw) -> NieuweGegevens:
    waarden = dict(lid_id=LID, naam="An Peeters", email="an@gemeente.be", nieuwsbrief=True, aanleiding="registratie", tijd=T0)
    waarden.update(kw)
    return NieuweGegevens(**waarden)


def contact(**kw) -> Contact:
    waarden = dict(
        lid_id=LID, naam="An Peeters", email="an@gemeente.be", nieuwsbrief_gewenst=True,
        nieuwsbrief_bevestigd_op=None, gegevens_van=T0,
    )
    waarden.update(kw)
    return Contact(**waarden)


def test_registratie_met_nieuwsbrief_geeft_welkom_en_bevestiging():
    besluit = verwerk_contactgegevens(None, gegevens())
    assert besluit.meldingen == (Soort.WELKOM, Soort.NIEUWSBRIEF_BEVESTIGING)
    assert besluit.contact == contact()


def test_registratie_zonder_nieuwsbrief_geeft_alleen_welkom():
    besluit = verwerk_contactgegevens(None, gegevens(nieuwsbrief=False))
    assert besluit.meldingen == (Soort.WELKOM,)
    assert besluit.contact is not None and not besluit.contact.nieuwsbrief_gewenst


def test_wijziging_van_naam_stuurt_niets():
    besluit = verwerk_contactgegevens(contact(), gegevens(aanleiding="wijziging", naam="An Janssens", tijd=T0 + timedelta(1)))
    assert besluit.meldingen == ()
    assert besluit.contact is not None and besluit.contact.naam == "An Janssens"


def test_nieuwsbrief_later_aangevraagd_vraagt_bevestiging():
    vorige = contact(nieuwsbrief_gewenst=False)
    besluit = verwerk_contactgegevens(vorige, gegevens(aanleiding="wijziging", tijd=T0 + timedelta(1)))
    assert besluit.meldingen == (Soort.NIEUWSBRIEF_BEVESTIGING,)


def test_bevestiging_blijft_tot_de_wens_verdwijnt():
    vorige = contact(nieuwsbrief_bevestigd_op=T0)
    blijft = verwerk_contactgegevens(vorige, gegevens(aanleiding="wijziging", tijd=T0 + timedelta(1)))
    assert blijft.contact is not None and blijft.contact.nieuwsbrief_bevestigd_op == T0
    assert blijft.meldingen == ()
    weg = verwerk_contactgegevens(vorige, gegevens(aanleiding="wijziging", nieuwsbrief=False, tijd=T0 + timedelta(1)))
    assert weg.contact is not None and weg.contact.nieuwsbrief_bevestigd_op is None


def test_ouder_bericht_overschrijft_nieuwere_gegevens_niet():
    vorige = contact(naam="Nieuwe naam", gegevens_van=T0 + timedelta(days=1))
    besluit = verwerk_contactgegevens(vorige, gegevens(aanleiding="wijziging", naam="Oude naam"))
    assert besluit.contact is None


def test_token_is_willekeurig_en_alleen_als_hash_bewaard():
    a, b = nieuw_token(), nieuw_token()
    assert a != b and len(a) >= 40
    assert token_hash(a) != a and len(token_hash(a)) == 64


@pytest.mark.parametrize(
    ("token", "verwacht"),
    [
        (None, TokenStatus.ONBEKEND),
        (Token(LID, T0 + timedelta(days=1), None, True), TokenStatus.GELDIG),
        (Token(LID, T0, None, True), TokenStatus.VERLOPEN),
        (Token(LID, T0 + timedelta(days=1), T0, True), TokenStatus.GEBRUIKT),
        (Token(LID, T0 + timedelta(days=1), None, False), TokenStatus.INGETROKKEN),
    ],
)
def test_beoordeel_token(token, verwacht):
    assert beoordeel_token(token, T0) is verwacht


def test_wachttijden_lopen_op_en_stoppen():
    wachttijden = (1.0, 5.0)
    assert volgende_poging_na(1, wachttijden) == timedelta(seconds=1)
    assert volgende_poging_na(2, wachttijden) == timedelta(seconds=5)
    assert volgende_poging_na(3, wachttijden) is None


def test_smtp_url():
    assert SmtpConfig.from_url("smtp://127.0.0.1:8025") == SmtpConfig("127.0.0.1", 8025)
    tls = SmtpConfig.from_url("smtps://mail%40vvsg.be:ge%2Fheim@smtp.vvsg.be")
    assert (tls.host, tls.port, tls.use_tls, tls.username, tls.password) == (
        "smtp.vvsg.be", 465, True, "mail@vvsg.be", "ge/heim",
    )
    with pytest.raises(ValueError):
        SmtpConfig.from_url("http://mail")


def test_welkomstmail_is_een_sjabloon_dat_namen_als_tekst_houdt():
    from meldingen.domain.sjablonen import STANDAARD, render

    mail = render(STANDAARD["welkom"], {"naam": "An <Peeters>", "nieuwsbrief": True})
    assert mail.onderwerp == "Welkom bij het netwerk digitale inclusie"
    assert "Beste An <Peeters>" in mail.tekst and "aparte mail" in mail.tekst
    assert "An &lt;Peeters&gt;" in mail.html and "<Peeters>" not in mail.html and '<html lang="nl">' in mail.html
    zonder = render(STANDAARD["welkom"], {"naam": "An", "nieuwsbrief": False})
    assert "aparte mail" not in zonder.tekst and "aparte mail" not in zonder.html


def test_bevestigingsmail_is_een_sjabloon_met_de_link():
    from meldingen.domain.sjablonen import STANDAARD, render

    link = bevestigingslink("https://dinet.vvsg.be/", "abc-_123")
    assert link == "https://dinet.vvsg.be/meldingen/nieuwsbrief/bevestigen?token=abc-_123"
    mail = render(STANDAARD["nieuwsbrief_bevestiging"], {"naam": "An", "bevestigingslink": link, "dagen": 14})
    assert link in mail.tekst and "14 dagen" in mail.tekst
    assert f'href="{link}"' in mail.html
    assert mail.onderwerp == "Bevestig je inschrijving voor de nieuwsbrief"


def test_consent_from_registratie_sets_or_keeps_the_invitations_choice():
    from meldingen.domain import STANDAARD_RITME, uitnodigingen_na

    # Given: no choice yet, or none, becomes one mail per activity; a rhythm already chosen stays.
    assert uitnodigingen_na(None, True) == STANDAARD_RITME == "per_mail"
    assert uitnodigingen_na("geen", True) == "per_mail"
    assert uitnodigingen_na("wekelijks", True) is None
    assert uitnodigingen_na("per_mail", True) is None
    # Withdrawn: none; nothing to withdraw, nothing to store.
    assert uitnodigingen_na("wekelijks", False) == "geen"
    assert uitnodigingen_na(None, False) is None
    # Not said (a version-1 event): whatever the member chose stays.
    assert uitnodigingen_na("wekelijks", None) is None
    assert uitnodigingen_na(None, None) is None
