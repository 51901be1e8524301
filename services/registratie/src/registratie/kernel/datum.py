"""The one reading of a date as people type it in registratie's forms and files."""

from __future__ import annotations

from datetime import date

FORMAAT = "31/01/2025"  # how messages show the expected form


def lees_datum(tekst: str | None) -> date | None:
    """A date as people type it here: 2025-01-31, 31/01/2025, 31-01-2025 or 31.01.2025.

    The year has four digits. A two-digit year is refused, not guessed: "01/01/98" read as 2098
    would make a member join in the future, and every message already asks for the full form.
    """
    if not tekst:
        return None
    tekst = tekst.strip()
    try:
        return date.fromisoformat(tekst)
    except ValueError:
        pass
    # Browsers without a date picker send what people type.
    for scheiding in ("/", "-", "."):
        delen = [d.strip() for d in tekst.split(scheiding)]
        if len(delen) == 3 and all(d.isdigit() for d in delen) and len(delen[2]) == 4:
            dag, maand, jaar = (int(d) for d in delen)
            try:
                return date(jaar, maand, dag)
            except ValueError:
                return None
    return None
