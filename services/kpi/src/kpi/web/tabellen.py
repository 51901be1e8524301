"""Every table the committee sees, as data: the page renders it, the exports write it.

A table is built once from the figures; the HTML, CSV and XLSX are three views of the same rows,
so an export never differs from the page it was downloaded from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dinet_contracts.registry import EVENT_TYPES
from dinet_contracts.tijd import datum, datum_tijd, lokale_datum

from kpi import domain, store
from kpi.catalogus import (
    DIMENSIE_LABELS,
    KPI_PER_ID,
    TREKKER_LABELS,
    VORM_LABELS,
    Bron,
    Dimensie,
    Kpi,
    soort_label,
    waarde_label,
)


@dataclass(frozen=True)
class Kolom:
    kop: str
    numeriek: bool = False


@dataclass(frozen=True)
class Cel:
    """A value with, for the page only, a link and/or a text to show instead of the raw value."""

    waarde: Any
    link: str | None = None
    tekst: str | None = None


@dataclass
class Tabel:
    naam: str  # file name of the exports, e.g. "kerncijfers-2025"
    titel: str
    kolommen: list[Kolom]
    rijen: list[list[Any]] = field(default_factory=list)
    toelichting: str | None = None
    export_pad: str | None = None  # e.g. "/kpi/export/kerncijfers?jaar=2025"

    def waarden(self) -> list[list[Any]]:
        return [[c.waarde if isinstance(c, Cel) else c for c in rij] for rij in self.rijen]


def _datum(moment: datetime | date) -> date:
    return lokale_datum(moment) if isinstance(moment, datetime) else moment


def kpi_link(kpi_id: str, jaar: int) -> str:
    return f"/kpi/kpi/{kpi_id}?jaar={jaar}"


def kerncijfers(o: domain.Jaaroverzicht) -> Tabel:
    jaar = o.periode.jaar
    kolommen = [Kolom("Kerncijfer"), Kolom("Doelstelling"), Kolom("Waarde", True), Kolom("Doel (minstens)", True), Kolom("Status")]
    if o.afgesloten:
        kolommen[2:3] = [Kolom("Goedgekeurd", True), Kolom("Na afsluiting bijgekomen", True), Kolom("Waarde nu", True)]
    t = Tabel(
        naam=f"kerncijfers-{jaar}",
        titel=f"Kerncijfers {jaar} tegenover het doel",
        kolommen=kolommen,
        export_pad=f"/kpi/export/kerncijfers?jaar={jaar}",
    )
    for c in o.kpis:
        rij: list[Any] = [Cel(c.label, link=kpi_link(c.id, jaar)), _od(c.id)]
        if o.afgesloten:
            rij += [c.goedgekeurd, c.na_afsluiting, c.waarde]
            rij.append(c.goedgekeurd_doel)
        else:
            rij += [c.waarde, c.doel]
        rij.append(Cel(c.status_label))
        t.rijen.append(rij)
    return t


def _od(kpi_id: str) -> str:
    kpi = KPI_PER_ID.get(kpi_id)
    if kpi is None:
        return ""
    return f"OD {kpi.od}" if kpi.od[0].isdigit() else "Bestuur"


def trend(jaren: list[domain.Jaaroverzicht]) -> Tabel:
    t = Tabel(
        naam="trend",
        titel="Verloop over de jaren van het meerjarenplan",
        kolommen=[Kolom("Kerncijfer"), *[Kolom(str(o.periode.jaar), True) for o in jaren]],
        toelichting="Per jaar de waarde op 31/12 (het lopende jaar: tot vandaag), met het doel tussen haakjes.",
        export_pad="/kpi/export/trend",
    )
    if not jaren:
        return t
    for i, c in enumerate(jaren[0].kpis):
        rij: list[Any] = [Cel(c.label, link=kpi_link(c.id, jaren[-1].periode.jaar))]
        for o in jaren:
            x = o.kpis[i]
            tekst = domain_getal(x.waarde) + (f" (doel {domain_getal(x.doel)})" if x.doel is not None else "")
            rij.append(Cel(x.waarde, tekst=tekst))
        t.rijen.append(rij)
    return t


def domain_getal(waarde: int | float | Decimal | None) -> str:
    """Dutch notation: 1.234 and 2,5."""
    if waarde is None:
        return "–"
    if isinstance(waarde, Decimal):
        waarde = domain.als_getal(waarde)  # type: ignore[assignment]
    if isinstance(waarde, int):
        return f"{waarde:,}".replace(",", ".")
    tekst = f"{waarde:,.2f}".translate(str.maketrans(",.", ".,"))
    return tekst.rstrip("0").rstrip(",")


def context(jaar: int, cijfers: list) -> Tabel:
    t = Tabel(
        naam=f"context-{jaar}",
        titel=f"Contextcijfers {jaar}",
        kolommen=[Kolom("Cijfer"), Kolom("Waarde", True)],
        export_pad=f"/kpi/export/context?jaar={jaar}",
    )
    t.rijen = [[c.label, c.waarde] for c in cijfers]
    return t


def provincies(jaar: int, ctx: store.Context) -> Tabel:
    t = Tabel(
        naam=f"provincies-{jaar}",
        titel=f"Vertegenwoordigde gemeenten per provincie, {jaar}",
        kolommen=[Kolom("Provincie"), Kolom("Vertegenwoordigd", True), Kolom("Gemeenten", True), Kolom("Aandeel (%)", True)],
        toelichting="Gemeenten (lokale besturen) met minstens één actief lid op de peildatum.",
        export_pad=f"/kpi/export/provincies?jaar={jaar}",
    )
    for prov, n, totaal in ctx.provincies:
        t.rijen.append([prov, n, totaal, domain.als_getal(round(Decimal(100 * n) / totaal, 1)) if totaal else 0])
    n = sum(x for _, x, _ in ctx.provincies)
    totaal = sum(x for _, _, x in ctx.provincies)
    t.rijen.append([Cel("Vlaanderen", tekst="Vlaanderen (totaal)"), n, totaal, domain.als_getal(round(Decimal(100 * n) / totaal, 1))])
    return t


def feedback(jaar: int, ctx: store.Context) -> Tabel:
    t = Tabel(
        naam=f"feedback-{jaar}",
        titel=f"Tevredenheid per soort activiteit, {jaar}",
        kolommen=[Kolom("Soort activiteit"), Kolom("Aantal scores", True), Kolom("Gemiddelde score (1 tot 5)", True)],
        toelichting="Scores tellen in het jaar van de activiteit.",
        export_pad=f"/kpi/export/feedback?jaar={jaar}",
    )
    t.rijen = [[soort_label(s), n, domain.als_getal(gem)] for s, n, gem in ctx.feedback]
    return t


def records(kpi: Kpi, jaar: int, rijen: list[store.Record], *, volledig: bool = True) -> Tabel:
    export = f"/kpi/export/records?jaar={jaar}&kpi={kpi.id}"
    if kpi.bron in (Bron.ACTIVITEITEN, Bron.UREN, Bron.OP_MAAT):
        kolommen = [Kolom("Titel"), Kolom("Datum"), Kolom("Soort"), Kolom("Organisator"), Kolom("Trekker"), Kolom("Vorm")]
        if kpi.bron is Bron.OP_MAAT:
            kolommen += [Kolom("Lokaal bestuur"), Kolom("Ondersteuning"), Kolom("Methode")]
        if kpi.bron is Bron.UREN:
            kolommen += [Kolom("Aanwezigen", True), Kolom("Deelnemersuren", True)]
        t = Tabel(f"{kpi.id}-{jaar}-records", f"Activiteiten achter het cijfer ({jaar})", kolommen, export_pad=export)
        for r in rijen:
            assert isinstance(r, store.ActiviteitRecord)
            # Every row leads to its activity, whose page also shows its own web address.
            titel = Cel(r.titel, link=ACTIVITEIT_PAGINA.format(r.activiteit_id))
            rij: list[Any] = [
                titel,
                Cel(_datum(r.start), tekst=datum(r.start)),
                soort_label(r.soort),
                r.organisator,
                TREKKER_LABELS.get(r.trekker, r.trekker),
                VORM_LABELS.get(r.vorm, r.vorm),
            ]
            if kpi.bron is Bron.OP_MAAT:
                rij += [r.lokaal_bestuur or "Onbekend bestuur", r.ondersteuning or "", r.methode or ""]
            if kpi.bron is Bron.UREN:
                rij += [r.deelnemers, domain.als_getal(r.uren)]
            t.rijen.append(rij)
        return t
    if kpi.bron is Bron.NIEUWSBRIEVEN:
        t = Tabel(
            f"{kpi.id}-{jaar}-records",
            f"Verzonden nieuwsbrieven ({jaar})",
            [Kolom("Titel"), Kolom("Verzonden op"), Kolom("Ontvangers", True)],
            export_pad=export,
        )
        for r in rijen:
            assert isinstance(r, store.NieuwsbriefRecord)
            t.rijen.append([r.titel, Cel(_datum(r.verzonden_op), tekst=datum(r.verzonden_op)), r.aantal_ontvangers])
        return t
    t = Tabel(
        f"{kpi.id}-{jaar}-records",
        f"Organisaties achter het cijfer ({jaar})",
        [Kolom("Organisatie"), Kolom("Type"), Kolom("Provincie"), Kolom("Grootteklasse"), Kolom("Leden", True)],
        toelichting="Per organisatie het aantal leden dat meetelt; personen worden nooit getoond.",
        export_pad=export,
    )
    for r in rijen:
        assert isinstance(r, store.OrganisatieRecord)
        t.rijen.append(
            [
                r.naam,
                waarde_label(Dimensie.ORGANISATIETYPE, r.type),
                r.provincie or "Onbekend",
                waarde_label(Dimensie.GROOTTEKLASSE, r.grootteklasse),
                r.leden,
            ]
        )
    return t


def opsplitsing(kpi: Kpi, jaar: int, dimensie: Dimensie, delen: list[store.Deel]) -> Tabel:
    eenheid = "Deelnemersuren" if kpi.eenheid == "uren" else "Aantal"
    t = Tabel(
        f"{kpi.id}-{jaar}-{dimensie.value}",
        f"Per {DIMENSIE_LABELS[dimensie].lower()}",
        [Kolom(DIMENSIE_LABELS[dimensie]), Kolom(eenheid, True)],
        export_pad=f"/kpi/export/opsplitsing?jaar={jaar}&kpi={kpi.id}&per={dimensie.value}",
    )
    t.rijen = [[waarde_label(dimensie, d.waarde), domain.als_getal(d.aantal)] for d in delen]
    return t


# What happened, in the committee's words; the event's type stays in the export and the API.
EVENT_WOORDEN: dict[str, str] = {
    "activiteit.gepland": "Activiteit gepland",
    "activiteit.gewijzigd": "Activiteit gewijzigd",
    "activiteit.geannuleerd": "Activiteit geannuleerd",
    "activiteit.afgelopen": "Activiteit vond plaats",
    "aanwezigheid.geregistreerd": "Aanwezigheden genoteerd",
    "lid.geregistreerd": "Nieuw lid",
    "lid.organisatie_gewijzigd": "Lid van een andere organisatie",
    "lid.uitgeschreven": "Lid verliet het netwerk",
    "lid.gewist": "Gegevens van een lid gewist",
    "lid.kennisdeling_gewijzigd": "Keuze voor kennisdeling gewijzigd",
    "nieuwsbrief.verzonden": "Nieuwsbrief verzonden",
}


def event_label(event_type: str) -> str:
    """`be.dinet.activiteit.afgelopen.v2` -> "Activiteit vond plaats"."""
    delen = event_type.split(".")
    kern = ".".join(delen[2:-1]) if len(delen) > 3 else event_type
    if kern in EVENT_WOORDEN:
        return EVENT_WOORDEN[kern]
    cls = EVENT_TYPES.get(event_type)
    return cls.__name__ if cls is not None else event_type


ACTIVITEIT_PAGINA = "/registratie/activiteiten/{}"  # the activity's own page, for every reader


def uitleg(kpi: Kpi, jaar: int, events: list[store.BronEvent], afgesloten_op: datetime | None) -> Tabel:
    activiteiten = kpi.bron in (Bron.ACTIVITEITEN, Bron.UREN, Bron.OP_MAAT)
    kolommen = [Kolom("Wat gebeurde"), Kolom("Wanneer"), Kolom("Over"), Kolom("Datum"), Kolom("Organisator" if activiteiten else "Organisatie")]
    if activiteiten:
        kolommen.append(Kolom("Uren", True))
    if afgesloten_op is not None:
        kolommen.append(Kolom("Na afsluiting"))
    t = Tabel(
        f"{kpi.id}-{jaar}-uitleg",
        f"Gebeurtenissen achter het cijfer ({jaar})",
        kolommen,
        export_pad=f"/kpi/export/uitleg?jaar={jaar}&kpi={kpi.id}",
    )
    for e in events:
        if e.is_activiteit and e.titel:
            over: Any = Cel(e.titel, link=ACTIVITEIT_PAGINA.format(e.sleutel))
        else:
            over = e.titel or ("Een lid" if kpi.bron in (Bron.LEDEN, Bron.BESTUREN, Bron.KENNISDELING) else "")
        rij: list[Any] = [
            Cel(e.type, tekst=event_label(e.type)),
            Cel(e.tijd, tekst=datum_tijd(e.tijd)),
            over,
            Cel(_datum(e.start), tekst=datum(e.start)) if e.start else None,
            e.organisatie,
        ]
        if activiteiten:
            rij.append(domain.als_getal(e.uren) if e.uren is not None else None)
        if afgesloten_op is not None:
            rij.append("ja" if e.tijd > afgesloten_op else "nee")
        t.rijen.append(rij)
    return t
