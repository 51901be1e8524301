"""Downloads of a table: CSV for Belgian Excel (UTF-8 with BOM, `;`) and XLSX; the yearly report
as PDF when WeasyPrint and its system libraries (pango) are there."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dinet_chassis.web.downloads import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bestand, pdf_mogelijk, xlsx_bestand
from dinet_contracts.tijd import iso

from kpi.web.tabellen import Tabel

# The files are written by the chassis; what a cell of the committee's tables shows is decided here.
__all__ = ["CSV_MEDIA_TYPE", "XLSX_MEDIA_TYPE", "als_csv", "als_pdf", "als_xlsx", "pdf_mogelijk"]


def _csv_waarde(waarde: Any) -> str:
    if waarde is None:
        return ""
    if isinstance(waarde, bool):
        return "ja" if waarde else "nee"
    if isinstance(waarde, (float, Decimal)):
        return str(waarde).replace(".", ",")  # the decimal comma Excel expects in Belgium
    if isinstance(waarde, datetime):
        return iso(waarde)
    if isinstance(waarde, date):
        return waarde.isoformat()
    tekst = str(waarde)
    # A cell starting with = + - @ is a formula in a spreadsheet: never let data become one.
    return "'" + tekst if tekst[:1] in ("=", "+", "-", "@") and not _is_getal(tekst) else tekst


def _is_getal(tekst: str) -> bool:
    try:
        float(tekst.replace(",", "."))
        return True
    except ValueError:
        return False


def als_csv(tabel: Tabel) -> bytes:
    return csv_bestand([k.kop for k in tabel.kolommen], tabel.waarden(), _csv_waarde)


def als_xlsx(tabel: Tabel) -> bytes:
    rijen = tabel.waarden()
    breedtes = [
        min(max(max([len(k.kop), *(len(str(rij[c])) for rij in rijen[:200] if rij[c] is not None)]) + 2, 10), 60)
        for c, k in enumerate(tabel.kolommen)
    ]
    return xlsx_bestand(
        [k.kop for k in tabel.kolommen], rijen,
        blad=tabel.titel[:31].replace("/", "-").replace(":", "") or "Tabel", titel=tabel.titel, breedtes=breedtes,
    )


def als_pdf(html: str, basis_url: str | None = None) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, base_url=basis_url).write_pdf(pdf_variant="pdf/ua-1")
