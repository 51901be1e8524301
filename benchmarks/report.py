"""The figures of one run and the table they are printed as."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Row:
    benchmark: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_unit: str = ""
    target: str = ""  # e.g. ">= 0.5x" on the ratio, or "<= 50 ms" on the value
    detail: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline:
            return None
        return self.value / self.baseline

    def met(self) -> bool | None:
        if not self.target:
            return None
        op, limit_text = self.target.split(maxsplit=1)
        if limit_text.endswith("x"):  # a target on the ratio to the baseline
            subject, limit = self.ratio, float(limit_text[:-1])
        else:  # a target on the value itself, in its unit
            subject, limit = self.value, float(limit_text.split()[0])
        if subject is None:
            return None
        return subject >= limit if op == ">=" else subject <= limit


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    environment: dict = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def to_json(self) -> dict:
        return {
            "environment": self.environment,
            "rows": [{**asdict(r), "ratio": r.ratio, "met": r.met()} for r in self.rows],
            "notes": self.notes,
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}".replace(",", " ")
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_table(rows: list[Row]) -> str:
    header = ("benchmark", "value", "baseline", "ratio", "target", "")
    lines = []
    for r in rows:
        met = r.met()
        lines.append(
            (
                r.benchmark,
                f"{_number(r.value)} {r.unit}",
                f"{_number(r.baseline)} {r.baseline_unit}" if r.baseline is not None else "-",
                f"{r.ratio:.2f}x" if r.ratio is not None else "-",
                r.target or "-",
                {True: "ok", False: "MISSED", None: ""}[met],
            )
        )
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]
    align = ["<", ">", ">", ">", "<", "<"]
    out = []
    for i, line in enumerate([header, *lines]):
        out.append("  ".join(f"{c!s:{a}{w}}" for c, a, w in zip(line, align, widths)).rstrip())
        if i == 0:
            out.append("-" * len(out[0]))
    return "\n".join(out)
