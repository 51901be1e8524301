"""Fast: the shared table and choice macros write the markup the pages wrote by hand."""

from __future__ import annotations

import re
from pathlib import Path

import dinet_chassis.web
import jinja2

SJABLONEN = Path(dinet_chassis.web.__file__).parent / "templates"


def _render(bron: str, **context: object) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(SJABLONEN), autoescape=True)
    return re.sub(r">\s+<", "><", env.from_string(bron).render(**context)).strip()


def test_tabel_schrijft_omhulsel_koppen_en_de_rijen_van_de_aanroeper() -> None:
    html = _render(
        '{% import "dinet_macros.html" as m %}'
        '{% call m.tabel("Leden & partners", ["Naam", ("Aantal", "govuk-table__header--numeric")], klasse="dinet-tabel-stapel") %}'
        '{% for r in rijen %}<tr class="govuk-table__row"><td class="govuk-table__cell">{{ r }}</td></tr>{% endfor %}'
        "{% endcall %}",
        rijen=["a", "<b>"],
    )
    assert html == (
        '<div class="dinet-table-wrapper"><table class="govuk-table dinet-tabel-stapel">'
        '<caption class="govuk-table__caption govuk-table__caption--s">Leden &amp; partners</caption>'
        '<thead class="govuk-table__head"><tr class="govuk-table__row">'
        '<th scope="col" class="govuk-table__header">Naam</th>'
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Aantal</th>'
        '</tr></thead><tbody class="govuk-table__body">'
        '<tr class="govuk-table__row"><td class="govuk-table__cell">a</td></tr>'
        '<tr class="govuk-table__row"><td class="govuk-table__cell">&lt;b&gt;</td></tr>'
        "</tbody></table></div>"
    )


def test_een_titel_uit_een_set_blok_wordt_niet_dubbel_ontsnapt() -> None:
    html = _render(
        '{% import "dinet_macros.html" as m %}{% set titel %}{{ n }} actie{{ "s" if n != 1 }}{% endset %}'
        '{% call m.tabel(titel, ["Actie"], titel_klasse="govuk-table__caption--m") %}{% endcall %}',
        n=2,
    )
    assert '<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">2 acties</caption>' in html


def test_keuzes_koppelen_hint_en_fout_en_geven_het_eerste_vakje_de_naam() -> None:
    html = _render(
        '{% import "dinet_macros.html" as m %}'
        '{{ m.radios("vorm", "Vorm", [("fysiek", "Fysiek"), ("online", "Online")], "online", error="Kies een vorm.", klein=true) }}'
        '{{ m.checkboxes("doel", "Doelen", [("a", "A"), ("b", "B")], ["b"], hint="Meer mag.", eerste=false) }}',
    )
    assert '<div class="govuk-form-group govuk-form-group--error"><fieldset class="govuk-fieldset" aria-describedby="vorm-error">' in html
    assert '<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">' in html
    assert 'id="vorm" name="vorm" type="radio" value="fysiek">' in html
    assert 'id="vorm-2" name="vorm" type="radio" value="online" checked>' in html
    assert '<p id="vorm-error" class="govuk-error-message"><span class="govuk-visually-hidden">Fout:</span> Kies een vorm.</p>' in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="doel-hint">' in html
    assert 'id="doel-a" name="doel" type="checkbox" value="a">' in html
    assert 'id="doel-b" name="doel" type="checkbox" value="b" checked>' in html
