"""Downloads of a table: CSV for Belgian Excel (UTF-8 with BOM, `;`) and XLSX; the yearly report
as PDF when WeasyPrint and its system libraries (pango) are there."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from dinet_contracts.tijd import iso, lokaal

from .tabellen import Tabel

# Litestar adds "; charset=utf-8" to every text/* type itself: naming it here would send it twice.
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    uit = io.StringIO()
    w = csv.writer(uit, delimiter=";", lineterminator="\r\n")
    w.writerow([k.kop for k in tabel.kolommen])
    for rij in tabel.waarden():
        w.writerow([_csv_waarde(v) for v in rij])
    return "\ufeff".encode() + uit.getvalue().encode("utf-8")


def als_xlsx(tabel: Tabel) -> bytes:
    import xlsxwriter

    uit = io.BytesIO()
    boek = xlsxwriter.Workbook(uit, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    blad = boek.add_worksheet(tabel.titel[:31].replace("/", "-").replace(":", "") or "Tabel")
    datum = boek.add_format({"num_format": "dd/mm/yyyy"})
    tijd = boek.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    rijen = tabel.waarden()
    for r, rij in enumerate(rijen, start=1):
        for c, waarde in enumerate(rij):
            if isinstance(waarde, datetime):
                # A spreadsheet cell has no time zone: it shows what it holds, so hold Belgian time.
                blad.write_datetime(r, c, lokaal(waarde).replace(tzinfo=None), tijd)
            elif isinstance(waarde, date):
                blad.write_datetime(r, c, datetime(waarde.year, waarde.month, waarde.day), datum)
            elif isinstance(waarde, Decimal):
                blad.write_number(r, c, float(waarde))
            elif isinstance(waarde, bool):
                blad.write_string(r, c, "ja" if waarde else "nee")
            elif isinstance(waarde, (int, float)):
                blad.write_number(r, c, waarde)
            elif waarde is None:
                blad.write_blank(r, c, None)
            else:
                blad.write_string(r, c, str(waarde))
    kolommen = [{"header": k.kop} for k in tabel.kolommen]
    # An Excel table: headers are real headers, so screen readers in Excel announce them.
    blad.add_table(0, 0, max(len(rijen), 1), len(kolommen) - 1, {"columns": kolommen, "style": "Table Style Light 9"})
    for c, k in enumerate(tabel.kolommen):
        breedte = max([len(k.kop), *(len(str(rij[c])) for rij in rijen[:200] if rij[c] is not None)])
        blad.set_column(c, c, min(max(breedte + 2, 10), 60))
    boek.set_properties({"title": tabel.titel, "language": "nl-BE"})
    boek.close()
    return uit.getvalue()


@cache
def pdf_mogelijk() -> bool:
    """WeasyPrint imports only when pango and friends are installed on the system."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def als_pdf(html: str, basis_url: str | None = None) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, base_url=basis_url).write_pdf(pdf_variant="pdf/ua-1")
