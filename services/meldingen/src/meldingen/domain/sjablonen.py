"""Mail templates as data: built-in Dutch defaults, which staff may replace, rendered in a sandbox.

A template has a subject, a plain-text part and an HTML fragment (the body; `opmaak` adds the
accessible frame: language, title, readable colours). Staff-edited templates run in Jinja2's
`SandboxedEnvironment` and see only the plain values of `context`: no attributes of server
objects, no imports, no files. The HTML part is autoescaped, so a member's name or an activity
title can never inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from dinet_contracts.tijd import lokaal
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

TELEFOON = "02 211 55 00"

_DAGEN = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
_MAANDEN = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)


def wanneer(start: datetime, einde: datetime) -> str:
    """"dinsdag 10 maart 2026 van 10.00 tot 13.00 uur", on a Belgian clock."""
    b, e = lokaal(start), lokaal(einde)
    dag = f"{_DAGEN[b.weekday()]} {b.day} {_MAANDEN[b.month - 1]} {b.year}"
    if b.date() == e.date():
        return f"{dag} van {b:%H.%M} tot {e:%H.%M} uur"
    return f"{dag} om {b:%H.%M} uur tot {_DAGEN[e.weekday()]} {e.day} {_MAANDEN[e.month - 1]} {e.year} om {e:%H.%M} uur"


@dataclass(frozen=True)
class Sjabloon:
    onderwerp: str
    tekst: str
    html: str


@dataclass(frozen=True)
class Gerenderd:
    onderwerp: str
    tekst: str
    html: str  # the whole HTML document


class SjabloonFout(ValueError):
    """A template that does not render: shown to staff in plain Dutch, never sent."""


_AFSLUITING_TEKST = (
    "\n\nHeb je een vraag? Antwoord op deze mail of bel VVSG op {{ telefoon }}.\n\n"
    "Met vriendelijke groet,\nHet team van het netwerk digitale inclusie\nVVSG en Mediawijs\n"
)
_AFSLUITING_HTML = (
    '\n<p>Heb je een vraag? Antwoord op deze mail of bel VVSG op <a href="tel:+3222115500">{{ telefoon }}</a>.</p>\n'
    "<p>Met vriendelijke groet,<br>Het team van het netwerk digitale inclusie<br>VVSG en Mediawijs</p>"
)
_WAAR_TEKST = (
    "Wanneer: {{ activiteit.wanneer }}\n"
    "{% if activiteit.online %}Online{% if activiteit.deelnamelink %}, deelnemen via {{ activiteit.deelnamelink }}{% endif %}"
    "{% else %}Waar: {{ activiteit.plaats or 'volgt nog' }}{% endif %}\n"
    "Meer informatie: {{ activiteit.pagina }}"
)
_WAAR_HTML = (
    "<ul>\n<li>Wanneer: {{ activiteit.wanneer }}</li>\n"
    "{% if activiteit.online %}<li>Online{% if activiteit.deelnamelink %}: "
    '<a href="{{ activiteit.deelnamelink }}">deelnemen via deze link</a>{% endif %}</li>'
    "{% else %}<li>Waar: {{ activiteit.plaats or 'volgt nog' }}</li>{% endif %}\n"
    '<li><a href="{{ activiteit.pagina }}">Meer informatie over de activiteit</a></li>\n</ul>'
)
_AGENDA = "In de bijlage zit de activiteit voor je agenda."


def _act(onderwerp: str, kop: str, alinea: str, *, agenda: str | None = _AGENDA) -> Sjabloon:
    na = f"\n\n{agenda}" if agenda else ""
    na_html = f"\n<p>{agenda}</p>" if agenda else ""
    return Sjabloon(
        onderwerp=onderwerp,
        tekst=f"Beste {{{{ naam }}}},\n\n{alinea}\n\n{_WAAR_TEKST}{na}{_AFSLUITING_TEKST}",
        html=f"<h1>{kop}</h1>\n<p>Beste {{{{ naam }}}},</p>\n<p>{alinea}</p>\n{_WAAR_HTML}{na_html}{_AFSLUITING_HTML}",
    )


STANDAARD: dict[str, Sjabloon] = {
    "inschrijving_bevestigd": _act(
        "Je bent ingeschreven: {{ activiteit.titel }}",
        "Je bent ingeschreven",
        "Je bent ingeschreven voor {{ activiteit.titel }}. Kan je toch niet komen? Schrijf je dan uit, "
        "zo krijgt iemand op de wachtlijst je plaats.",
    ),
    "wachtlijst": _act(
        "Je staat op de wachtlijst: {{ activiteit.titel }}",
        "Je staat op de wachtlijst",
        "{{ activiteit.titel }} is volzet. Je staat op de wachtlijst. Komt er een plaats vrij, dan krijg je "
        "die automatisch en laten we het je meteen weten.",
        agenda=None,
    ),
    "plaats_gekregen": _act(
        "Er is een plaats voor jou: {{ activiteit.titel }}",
        "Er is een plaats voor jou",
        "Goed nieuws: er kwam een plaats vrij. Je bent nu ingeschreven voor {{ activiteit.titel }}.",
    ),
    "inschrijving_geannuleerd": _act(
        "Je inschrijving is geannuleerd: {{ activiteit.titel }}",
        "Je inschrijving is geannuleerd",
        "Je inschrijving voor {{ activiteit.titel }} is geannuleerd. Je hoeft niets meer te doen.",
        agenda="Met de bijlage haal je de activiteit uit je agenda.",
    ),
    "activiteit_gewijzigd": _act(
        "Gewijzigd: {{ activiteit.titel }}",
        "De activiteit is gewijzigd",
        "{{ activiteit.titel }} is gewijzigd. Dit zijn de nieuwe gegevens.",
        agenda="Met de bijlage zet je de nieuwe gegevens in je agenda.",
    ),
    "activiteit_geannuleerd": _act(
        "Geannuleerd: {{ activiteit.titel }}",
        "De activiteit gaat niet door",
        "Helaas: {{ activiteit.titel }} gaat niet door. Je hoeft niets te doen.",
        agenda="Met de bijlage haal je de activiteit uit je agenda.",
    ),
    "herinnering": _act(
        "Binnenkort: {{ activiteit.titel }}",
        "Binnenkort",
        "We zien je graag op {{ activiteit.titel }}.",
        agenda=None,
    ),
    "feedback_vraag": Sjabloon(
        onderwerp="Hoe vond je {{ activiteit.titel }}?",
        tekst=(
            "Beste {{ naam }},\n\nBedankt om deel te nemen aan {{ activiteit.titel }}.\n"
            "Wil je ons laten weten hoe je het vond? Het duurt één minuut:\n\n{{ feedback_url }}\n\n"
            "Je meldt je aan met je e-mailadres; je krijgt dan een link."
            + _AFSLUITING_TEKST
        ),
        html=(
            "<h1>Hoe vond je het?</h1>\n<p>Beste {{ naam }},</p>\n"
            "<p>Bedankt om deel te nemen aan {{ activiteit.titel }}.</p>\n"
            '<p><a href="{{ feedback_url }}">Geef je mening (één minuut)</a></p>\n'
            "<p>Je meldt je aan met je e-mailadres; je krijgt dan een link.</p>" + _AFSLUITING_HTML
        ),
    ),
    "uitnodiging": _act(
        "Uitnodiging: {{ activiteit.titel }}",
        "Uitnodiging",
        "Er is een nieuwe activiteit gepland: {{ activiteit.titel }}. Schrijf je in via de pagina van de activiteit."
        "{% if activiteit.beschrijving %} {{ activiteit.beschrijving }}{% endif %}",
        agenda=None,
    ),
    "weekoverzicht": Sjabloon(
        onderwerp="Nieuwe activiteiten van het netwerk digitale inclusie",
        tekst=(
            "Beste {{ naam }},\n\nDeze activiteiten zijn nieuw gepland:\n\n"
            "{% for a in activiteiten %}- {{ a.titel }}: {{ a.wanneer }}\n  {{ a.pagina }}\n{% endfor %}"
            + _AFSLUITING_TEKST
        ),
        html=(
            "<h1>Nieuwe activiteiten</h1>\n<p>Beste {{ naam }},</p>\n<p>Deze activiteiten zijn nieuw gepland:</p>\n<ul>\n"
            '{% for a in activiteiten %}<li><a href="{{ a.pagina }}">{{ a.titel }}</a>: {{ a.wanneer }}</li>\n{% endfor %}'
            "</ul>" + _AFSLUITING_HTML
        ),
    ),
}

# The two mails of signing up: staff edit them on the same page as every other mail.
STANDAARD["welkom"] = Sjabloon(
    onderwerp="Welkom bij het netwerk digitale inclusie",
    tekst=(
        "Beste {{ naam }},\n\n"
        "Welkom bij het netwerk digitale inclusie. Fijn dat je erbij bent!\n\n"
        "Als lid van het netwerk:\n"
        "- krijg je uitnodigingen voor netwerkmomenten, infosessies, opleidingen en inspiratiedagen;\n"
        "- lees en deel je goede praktijken van andere lokale besturen;\n"
        "- kan je bij ons terecht voor advies en ondersteuning.\n"
        "{% if nieuwsbrief %}\nJe vroeg ook om onze nieuwsbrief. Daarover krijg je een aparte mail met een link. "
        "Pas als je die link opent en bevestigt, ben je ingeschreven.\n{% endif %}"
        + _AFSLUITING_TEKST
    ),
    html=(
        "<h1>Welkom bij het netwerk digitale inclusie</h1>\n<p>Beste {{ naam }},</p>\n"
        "<p>Welkom bij het netwerk digitale inclusie. Fijn dat je erbij bent!</p>\n"
        "<p>Als lid van het netwerk:</p>\n<ul>\n"
        "<li>krijg je uitnodigingen voor netwerkmomenten, infosessies, opleidingen en inspiratiedagen;</li>\n"
        "<li>lees en deel je goede praktijken van andere lokale besturen;</li>\n"
        "<li>kan je bij ons terecht voor advies en ondersteuning.</li>\n</ul>\n"
        "{% if nieuwsbrief %}<p>Je vroeg ook om onze nieuwsbrief. Daarover krijg je een aparte mail met een link. "
        "Pas als je die link opent en bevestigt, ben je ingeschreven.</p>{% endif %}"
        + _AFSLUITING_HTML
    ),
)
STANDAARD["nieuwsbrief_bevestiging"] = Sjabloon(
    onderwerp="Bevestig je inschrijving voor de nieuwsbrief",
    tekst=(
        "Beste {{ naam }},\n\n"
        "Je vroeg om de nieuwsbrief van het netwerk digitale inclusie.\n"
        "Bevestig je inschrijving via deze link:\n\n{{ bevestigingslink }}\n\n"
        'Op die pagina klik je op de knop "Ja, stuur mij de nieuwsbrief". Pas dan ben je ingeschreven.\n'
        "De link werkt {{ dagen }} dagen en maar één keer.\n\n"
        "Vroeg je de nieuwsbrief niet? Dan hoef je niets te doen. Zonder bevestiging krijg je hem niet."
        + _AFSLUITING_TEKST
    ),
    html=(
        "<h1>Bevestig je inschrijving</h1>\n<p>Beste {{ naam }},</p>\n"
        "<p>Je vroeg om de nieuwsbrief van het netwerk digitale inclusie.</p>\n"
        '<p><a href="{{ bevestigingslink }}" style="color: #1d70b8; font-weight: bold;">Bevestig je inschrijving</a></p>\n'
        "<p>Op die pagina klik je op de knop &ldquo;Ja, stuur mij de nieuwsbrief&rdquo;. Pas dan ben je ingeschreven. "
        "De link werkt {{ dagen }} dagen en maar één keer.</p>\n"
        "<p>Werkt de link niet? Kopieer dan dit adres in je browser:<br>{{ bevestigingslink }}</p>\n"
        "<p>Vroeg je de nieuwsbrief niet? Dan hoef je niets te doen. Zonder bevestiging krijg je hem niet.</p>"
        + _AFSLUITING_HTML
    ),
)

_ACT = {
    "titel": "Infosessie: digitaal loket voor iedereen",
    "wanneer": "dinsdag 10 maart 2026 van 10.00 tot 12.00 uur",
    "online": False,
    "plaats": "Zaal De Markt, Grote Markt 1, 9000 Gent",
    "deelnamelink": None,
    "beschrijving": "Hoe maak je een digitaal loket dat iedereen kan gebruiken?",
    "pagina": "https://dinet.vvsg.be/registratie/activiteiten/voorbeeld",
}
VOORBEELD: dict[str, Any] = {
    "naam": "An Peeters",
    "telefoon": TELEFOON,
    "activiteit": _ACT,
    "activiteiten": [_ACT, {**_ACT, "titel": "Netwerkmoment Oost-Vlaanderen", "online": True}],
    "feedback_url": "https://dinet.vvsg.be/registratie/activiteiten/voorbeeld/feedback",
    "voorkeuren_url": "https://dinet.vvsg.be/meldingen/voorkeuren?token=voorbeeld",
    "nieuwsbrief": True,
    "bevestigingslink": "https://dinet.vvsg.be/meldingen/nieuwsbrief/bevestigen?token=voorbeeld",
    "dagen": 14,
}

_omgeving = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_omgeving_html = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def _render(omgeving: SandboxedEnvironment, bron: str, context: dict[str, Any], deel: str) -> str:
    try:
        return omgeving.from_string(bron).render(context)
    except TemplateError as exc:
        raise SjabloonFout(f"{deel}: {exc.message or type(exc).__name__}") from exc
    except Exception as exc:  # a sandbox refusal or a wrong filter argument: never a server error
        raise SjabloonFout(f"{deel}: {exc}") from exc


def opmaak(onderwerp: str, body: str) -> str:
    """The accessible frame around an HTML body: language, title, readable size and colours
    (#0b0c0c on white, links #1d70b8: both well above 4.5:1), no images needed."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="nl"><head><meta charset="utf-8"><title>{escape(onderwerp)}</title></head>\n'
        '<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c; '
        'background: #ffffff;">\n'
        f"{body}\n</body></html>\n"
    )


def render(sjabloon: Sjabloon, context: dict[str, Any]) -> Gerenderd:
    context = {"telefoon": TELEFOON, **context}
    onderwerp = " ".join(_render(_omgeving, sjabloon.onderwerp, context, "onderwerp").split())
    tekst = _render(_omgeving, sjabloon.tekst, context, "tekst")
    body = _render(_omgeving_html, sjabloon.html, context, "html")
    return Gerenderd(onderwerp=onderwerp, tekst=tekst, html=opmaak(onderwerp, body))


def controleer(sjabloon: Sjabloon) -> Gerenderd:
    """Render on sample data: what staff see as preview, and the check before saving."""
    return render(sjabloon, VOORBEELD)
