"""Exports of a plan for the council: an accessible PDF (tagged PDF/UA, language set), an
editable OpenDocument text (.odt, opens in Word and LibreOffice) the council can amend, and the
actions as CSV (Belgian Excel: UTF-8 with BOM, `;`) and XLSX.

The PDF and the ODT show the same document: `document(g)` builds it once as sections of
headings, paragraphs and tables, so the two never drift apart.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dinet_chassis.web.downloads import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bestand, pdf_mogelijk, xlsx_bestand
from dinet_contracts.tijd import lokaal

from .. import domain

ODT_MEDIA_TYPE = "application/vnd.oasis.opendocument.text"
TEMPLATES = Path(__file__).parent.parent / "templates"
__all__ = ["CSV_MEDIA_TYPE", "ODT_MEDIA_TYPE", "XLSX_MEDIA_TYPE", "acties_csv", "acties_xlsx", "als_html", "als_odt", "als_pdf", "pdf_mogelijk"]

ACTIE_KOLOMMEN = (
    "element_id", "wat", "eigenaar", "betrokken", "start", "einde", "budget", "bbc_code", "doelgroep", "indicator",
    "baseline", "streefwaarde", "bron", "status", "evaluatiedatum", "beleidsdoelstelling", "actieplan",
)


# --- the document, once -----------------------------------------------------------------------


@dataclass
class Blok:
    """A heading (niveau 1-3), a paragraph (niveau 0), or a table (kop + rijen)."""

    tekst: str = ""
    niveau: int = 0
    kop: list[str] = field(default_factory=list)
    rijen: list[list[str]] = field(default_factory=list)
    bijschrift: str = ""


def _cel(waarde: Any) -> str:
    if waarde is None:
        return ""
    if isinstance(waarde, Decimal):
        return f"€ {domain.bedrag(waarde)}"
    if isinstance(waarde, date):
        return domain.datum(waarde)
    return str(waarde)


def document(g: dict[str, Any]) -> list[Blok]:
    plan: domain.Beleidsplan = g["plan"]
    catalogus = g["catalogus"]
    elementen: dict[str, domain.PlanElement] = g["elementen"]
    acties: list[domain.Actie] = g["acties"]
    profiel = g.get("profiel")
    blokken = [Blok(plan.titel, 1)]
    blokken.append(
        Blok(
            f"Beleidsplan digitale inclusie van {g['organisatie']}. Gemaakt met de beleidstool digitale inclusie "
            f"(catalogusversie {plan.catalogus_versie}). Toestand op {lokaal(plan.gewijzigd_op or plan.aangemaakt_op):%d/%m/%Y}."
            + (f" Gepubliceerd op {lokaal(plan.gepubliceerd_op):%d/%m/%Y}." if plan.gepubliceerd_op else "")
        )
    )
    blokken.append(Blok("Voorbereiding", 2))
    if profiel is not None:
        blokken.append(
            Blok(
                kop=["Gegeven", "Waarde"],
                rijen=[
                    ["Inwoners", f"{profiel.inwoners:,}".replace(",", ".") if profiel.inwoners else "onbekend"],
                    ["Grootteklasse", profiel.grootteklasse or "onbekend"],
                    ["Provincie", profiel.provincie or "onbekend"],
                ],
                bijschrift="Profiel van de gemeente",
            )
        )
    for veld, label in domain.VOORBEREIDING_VELDEN.items():
        blokken.append(Blok(label, 3))
        blokken.append(Blok(getattr(plan, veld) or "Nog niet ingevuld."))
    blokken.append(Blok("Gekozen beleidselementen, stand van zaken en prioriteit", 2))
    for p in catalogus.pijlers:
        eigen = [e for e in elementen.values() if e.element_id.startswith(p.code)]
        if not eigen:
            continue
        blokken.append(Blok(p.naam, 3))
        blokken.append(
            Blok(
                kop=["Element", "Beleidselement", "Stand", "Toelichting", "Prioriteit"],
                rijen=[
                    [
                        e.element_id,
                        (el.tekst if (el := domain.element(e.element_id, catalogus)) else e.element_id),
                        domain.SCORE_KORT.get(e.score or "", "Nog niet gescoord"),
                        e.notitie,
                        domain.PRIORITEITEN.get(e.prioriteit or "", "Nog niet bepaald"),
                    ]
                    for e in eigen
                ],
                bijschrift=f"Elementen van de pijler {p.naam}",
            )
        )
    blokken.append(Blok("Acties", 2))
    if not acties:
        blokken.append(Blok("Er zijn nog geen acties."))
    for a in acties:
        blokken.append(Blok(f"{a.element_id}: {a.wat}", 3))
        blokken.append(
            Blok(
                kop=["Veld", "Waarde"],
                rijen=[[domain.ACTIE_LABELS[k], _cel(getattr(a, k)) if k != "status" else domain.SCORE_KORT[a.status]] for k in ACTIE_KOLOMMEN[2:]],
                bijschrift=f"Gegevens van de actie {a.wat[:60]}",
            )
        )
    return blokken


# --- PDF --------------------------------------------------------------------------------------


_OMGEVING = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def als_html(g: dict[str, Any]) -> str:
    return _OMGEVING.get_template("beleidsplan/document.html").render(titel=g["plan"].titel, blokken=document(g))


def _pdf(html: str) -> bytes:
    import weasyprint

    # PDF/UA-1: tagged (headings, tables with header cells), the document language and title set.
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


async def als_pdf(g: dict[str, Any], request: Any = None) -> bytes:
    # Rendering takes a good part of a second for a large plan: not on the event loop.
    return await asyncio.to_thread(_pdf, als_html(g))


# --- ODT --------------------------------------------------------------------------------------

_ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3"'
)


def _odt_content(blokken: list[Blok]) -> str:
    delen: list[str] = []
    for n, b in enumerate(blokken):
        if b.kop:
            kolommen = len(b.kop)
            rij = lambda cellen, stijl: "<table:table-row>" + "".join(  # noqa: E731
                f'<table:table-cell office:value-type="string"><text:p text:style-name="{stijl}">{escape(c)}</text:p></table:table-cell>'
                for c in cellen
            ) + "</table:table-row>"
            delen.append(
                f'<table:table table:name="Tabel{n}" table:style-name="Tabel">'
                f'<table:table-column table:number-columns-repeated="{kolommen}"/>'
                f"<table:table-header-rows>{rij(b.kop, 'Kop')}</table:table-header-rows>"
                + "".join(rij(r, "Standard") for r in b.rijen)
                + "</table:table>"
            )
        elif b.niveau:
            delen.append(f'<text:h text:style-name="Heading_20_{b.niveau}" text:outline-level="{b.niveau}">{escape(b.tekst)}</text:h>')
        else:
            for alinea in (b.tekst or "").split("\n"):
                delen.append(f'<text:p text:style-name="Standard">{escape(alinea)}</text:p>')
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODT_NS}>'
        '<office:automatic-styles><style:style style:name="Tabel" style:family="table">'
        '<style:table-properties style:width="17cm" table:align="left"/></style:style></office:automatic-styles>'
        f"<office:body><office:text>{''.join(delen)}</office:text></office:body></office:document-content>"
    )


_ODT_STYLES = f"""<?xml version="1.0" encoding="UTF-8"?><office:document-styles {_ODT_NS}><office:styles>
<style:default-style style:family="paragraph"><style:text-properties fo:language="nl" fo:country="BE" fo:font-size="11pt"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.2cm"/></style:style>
<style:style style:name="Kop" style:family="paragraph" style:parent-style-name="Standard"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:default-outline-level="1"><style:text-properties fo:font-size="20pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:default-outline-level="2"><style:paragraph-properties fo:margin-top="0.5cm"/><style:text-properties fo:font-size="16pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph" style:default-outline-level="3"><style:paragraph-properties fo:margin-top="0.3cm"/><style:text-properties fo:font-size="13pt" fo:font-weight="bold"/></style:style>
</office:styles></office:document-styles>"""


def als_odt(g: dict[str, Any]) -> bytes:
    plan: domain.Beleidsplan = g["plan"]
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {_ODT_NS}><office:meta>'
        f"<dc:title>{escape(plan.titel)}</dc:title><dc:language>nl-BE</dc:language>"
        "<meta:generator>Netwerk digitale inclusie, beleidstool</meta:generator></office:meta></office:document-meta>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODT_MEDIA_TYPE}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    uit = io.BytesIO()
    with zipfile.ZipFile(uit, "w") as z:
        # The mimetype must come first and uncompressed: that is how readers recognise the format.
        z.writestr(zipfile.ZipInfo("mimetype"), ODT_MEDIA_TYPE, compress_type=zipfile.ZIP_STORED)
        for naam, inhoud in (("content.xml", _odt_content(document(g))), ("styles.xml", _ODT_STYLES), ("meta.xml", meta),
                             ("META-INF/manifest.xml", manifest)):
            z.writestr(naam, inhoud, compress_type=zipfile.ZIP_DEFLATED)
    return uit.getvalue()


# --- the actions as a table -------------------------------------------------------------------


def _acties_rijen(g: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    catalogus = g["catalogus"]
    kop = ["Pijler", "Beleidselement (tekst)", *(domain.ACTIE_LABELS[k] for k in ACTIE_KOLOMMEN)]
    rijen = []
    for a in g["acties"]:
        el = domain.element(a.element_id, catalogus)
        pijler = catalogus.pijler(a.element_id[:3])
        rij: list[Any] = [pijler.naam if pijler else a.element_id[:3], el.tekst if el else ""]
        rij += [domain.SCORE_KORT[a.status] if k == "status" else getattr(a, k) for k in ACTIE_KOLOMMEN]
        rijen.append(rij)
    return kop, rijen


def _csv_waarde(waarde: Any) -> str:
    if waarde is None:
        return ""
    if isinstance(waarde, Decimal):
        return str(waarde).replace(".", ",")  # the decimal comma Excel expects in Belgium
    if isinstance(waarde, date):
        return waarde.strftime("%d/%m/%Y")
    tekst = str(waarde)
    # A cell starting with = + - @ is a formula in a spreadsheet: never let data become one.
    return "'" + tekst if tekst[:1] in ("=", "+", "-", "@") else tekst


def acties_csv(g: dict[str, Any]) -> bytes:
    kop, rijen = _acties_rijen(g)
    return csv_bestand(kop, rijen, _csv_waarde)


def acties_xlsx(g: dict[str, Any]) -> bytes:
    kop, rijen = _acties_rijen(g)
    return xlsx_bestand(
        kop, rijen, blad="Acties", titel=f"Acties: {g['plan'].titel}", breedtes=[min(max(len(k) + 2, 12), 50) for k in kop],
        bedragformaat="#,##0.00 [$€-813]", leeg_is_blanco=True,
    )
