"""Geometry of the horizontal bar chart on the dashboard: numbers in, coordinates out.

The template draws the SVG; this module only decides where things go, so the chart is the same
on every machine and can be tested without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BREEDTE = 300
LABEL_HOOGTE = 22  # one line of label text above each bar
STAAF_HOOGTE = 26
RIJ_AFSTAND = 16
MARGE = 8
# Room right of the longest bar for its value, so a number never runs off the chart.
WAARDE_RUIMTE = 56


@dataclass(frozen=True)
class Staaf:
    label: str
    waarde: int | float
    doel: int | float | None
    label_y: int
    y: int
    breedte: float
    doel_x: float | None

    @property
    def waarde_x(self) -> float:
        return MARGE + self.breedte + 6


@dataclass(frozen=True)
class Staafdiagram:
    breedte: int
    hoogte: int
    staven: tuple[Staaf, ...]
    staaf_hoogte: int = STAAF_HOOGTE
    x0: int = MARGE


def staafdiagram(
    rijen: Sequence[tuple[str, int | float, int | float | None]],
    *,
    breedte: int = BREEDTE,
    minimum_schaal: float = 1.0,
) -> Staafdiagram:
    """`rijen`: (label, value, target or None). Bars share one scale, which includes the targets
    (and reaches at least `minimum_schaal`, e.g. 100 for percentages)."""
    bruikbaar = breedte - 2 * MARGE - WAARDE_RUIMTE
    grootste = max([minimum_schaal, *(float(w) for _, w, _ in rijen), *(float(d) for _, _, d in rijen if d is not None)])
    schaal = bruikbaar / grootste
    staven = []
    y = MARGE
    for label, waarde, doel in rijen:
        staven.append(
            Staaf(
                label=label,
                waarde=waarde,
                doel=doel,
                label_y=y + LABEL_HOOGTE - 6,
                y=y + LABEL_HOOGTE,
                breedte=round(max(0.0, waarde * schaal), 1),
                doel_x=round(MARGE + doel * schaal, 1) if doel is not None else None,
            )
        )
        y += LABEL_HOOGTE + STAAF_HOOGTE + RIJ_AFSTAND
    return Staafdiagram(breedte=breedte, hoogte=y - RIJ_AFSTAND + MARGE, staven=tuple(staven))
