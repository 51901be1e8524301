"""The table downloads every service offers: CSV as Belgian Excel opens it, XLSX as an Excel table."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl

from dinet_chassis.web.downloads import csv_bestand, xlsx_bestand


def test_csv_opens_in_belgian_excel() -> None:
    inhoud = csv_bestand(["Naam", "Bedrag"], [["An", Decimal("1.5")], ["Bo", None]], lambda v: "" if v is None else str(v))
    assert inhoud.startswith("\ufeff".encode())
    assert inhoud.decode("utf-8-sig") == "Naam;Bedrag\r\nAn;1.5\r\nBo;\r\n"


def test_xlsx_is_one_excel_table_with_real_dates_and_numbers() -> None:
    rijen = [
        ["=SOM(A1)", 3, date(2026, 1, 2), datetime(2026, 7, 1, 10, 30, tzinfo=UTC), True, Decimal("12.50"), ""],
        ["", None, None, None, False, None, None],
    ]
    inhoud = xlsx_bestand(
        ["Tekst", "Getal", "Datum", "Moment", "Vlag", "Bedrag", "Leeg"], rijen,
        blad="Blad", titel="Proef", breedtes=[12] * 7, bedragformaat="#,##0.00", leeg_is_blanco=True,
    )
    boek = openpyxl.load_workbook(io.BytesIO(inhoud))
    blad = boek["Blad"]
    assert [c.value for c in blad[1]] == ["Tekst", "Getal", "Datum", "Moment", "Vlag", "Bedrag", "Leeg"]
    assert [c.value for c in blad[2]] == [
        "=SOM(A1)", 3, datetime(2026, 1, 2), datetime(2026, 7, 1, 12, 30), "ja", 12.5, None
    ]  # text stays text, never a formula; a moment in Belgian time (summer: UTC+2)
    assert blad["F2"].number_format == "#,##0.00" and blad["C2"].number_format == "dd/mm/yyyy"
    assert [c.value for c in blad[3]] == [None, None, None, None, "nee", None, None]
    assert list(blad.tables) and boek.properties.title == "Proef"
