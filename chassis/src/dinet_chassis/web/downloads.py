"""Downloads of a table for people who open them in a spreadsheet, and PDF when it can be made.

CSV the way Belgian Excel opens it (UTF-8 with BOM, `;`, CRLF); XLSX as an Excel table, whose
headers screen readers in Excel announce. What a cell shows (date style, decimal comma, guard
against formulas) is the service's choice; the files themselves are written here.

xlsxwriter and WeasyPrint are imported only when used: they belong to the services that offer
these downloads, not to every service on the chassis.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from dinet_contracts.tijd import lokaal

__all__ = ["CSV_MEDIA_TYPE", "XLSX_MEDIA_TYPE", "csv_bestand", "pdf_mogelijk", "xlsx_bestand"]

# Litestar adds "; charset=utf-8" to every text/* type itself: naming it here would send it twice.
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bestand(kop: Sequence[str], rijen: Iterable[Sequence[Any]], cel: Callable[[Any], str]) -> bytes:
    uit = io.StringIO()
    w = csv.writer(uit, delimiter=";", lineterminator="\r\n")
    w.writerow(kop)
    for rij in rijen:
        w.writerow([cel(v) for v in rij])
    return "\ufeff".encode() + uit.getvalue().encode("utf-8")


def xlsx_bestand(
    kop: Sequence[str],
    rijen: Sequence[Sequence[Any]],
    *,
    blad: str,
    titel: str,
    breedtes: Sequence[int],
    bedragformaat: str | None = None,
    leeg_is_blanco: bool = False,
) -> bytes:
    """One sheet holding an Excel table. Dates and times as real dates (in Belgian time: a cell has
    no time zone), numbers as numbers; `bedragformaat` formats Decimals (an amount in euro)."""
    import xlsxwriter

    uit = io.BytesIO()
    boek = xlsxwriter.Workbook(uit, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    werkblad = boek.add_worksheet(blad)
    datum = boek.add_format({"num_format": "dd/mm/yyyy"})
    tijd = boek.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    bedrag = boek.add_format({"num_format": bedragformaat}) if bedragformaat else None
    for r, rij in enumerate(rijen, start=1):
        for c, waarde in enumerate(rij):
            if isinstance(waarde, datetime):
                werkblad.write_datetime(r, c, lokaal(waarde).replace(tzinfo=None), tijd)
            elif isinstance(waarde, date):
                werkblad.write_datetime(r, c, datetime(waarde.year, waarde.month, waarde.day), datum)
            elif isinstance(waarde, Decimal):
                werkblad.write_number(r, c, float(waarde), bedrag)
            elif isinstance(waarde, bool):
                werkblad.write_string(r, c, "ja" if waarde else "nee")
            elif isinstance(waarde, (int, float)):
                werkblad.write_number(r, c, waarde)
            elif waarde is None or (leeg_is_blanco and waarde == ""):
                werkblad.write_blank(r, c, None)
            else:
                werkblad.write_string(r, c, str(waarde))
    werkblad.add_table(0, 0, max(len(rijen), 1), len(kop) - 1, {"columns": [{"header": k} for k in kop], "style": "Table Style Light 9"})
    for c, breedte in enumerate(breedtes):
        werkblad.set_column(c, c, breedte)
    boek.set_properties({"title": titel, "language": "nl-BE"})
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
