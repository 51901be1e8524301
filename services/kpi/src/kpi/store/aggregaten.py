"""Pre-aggregated projections: what the dashboard adds up, kept up to date with every event.

Counting members on a reference date, or participant hours over a year, from the fact tables
means reading every membership and every attendance. These tables hold the same figures
summed ahead, so a page reads a few thousand rows instead of millions:

- `lid_periode`: per member, the stretches of active membership, each with the organisation the
  member worked for then (the rule of store._LEDEN, cut into intervals).
- `leden_teller`: per organisation, how many members join (+) or leave (-) on a day, summed per
  year ('j'), month ('m') and day ('d'). The members of an organisation on a date are the years
  before it, the months before it in its year and the days up to it in its month.
- `uren_per_activiteit`: per activity its attendees and participant hours (the rule of
  store.UREN_SQL, capped at the activity's duration), with the activity's columns the KPIs
  filter on; `uren_per_organisatie` the same summed per year, those columns and attendee
  organisation (for the splits by the participants' organisation), held activities only.
- `activiteit_teller`: held activities counted per year and those filter columns.

They are never updated by adding an event's share: the share of an event depends on others
(a later leave, a changed duration), and events arrive in any order and more than once. Instead,
every member or activity an event touches is recomputed from the fact tables, in the same
transaction: a member's counters change by the difference between its old and new stretches,
an activity's share of the sums is taken out before its events are written and put back after.
A rebuild computes all of them at once at the end (`alles_opnieuw`), which gives the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

# A member's stretches: membership [lid_sinds, end] cut by the organisation changes. Before the
# first known organisation the member counts without one, as the LEFT JOIN in store._LEDEN does.
_PERIODES = """
SELECT m.lid_id, s.organisatie_id, s.organisatie_type,
       GREATEST(m.lid_sinds, s.van) AS van,
       LEAST(LEAST(m.uitgeschreven_tot, m.gewist_tot), s.tot) AS tot
FROM lidmaatschap m
CROSS JOIN LATERAL (
    SELECT NULL::uuid AS organisatie_id, NULL::text AS organisatie_type, NULL::date AS van, min(lo.vanaf) - 1 AS tot
    FROM lid_organisatie lo WHERE lo.lid_id = m.lid_id
    UNION ALL
    SELECT lo.organisatie_id, lo.organisatie_type, lo.vanaf, lead(lo.vanaf) OVER (ORDER BY lo.vanaf) - 1
    FROM lid_organisatie lo WHERE lo.lid_id = m.lid_id
) s
WHERE m.lid_sinds IS NOT NULL {waar}
"""

_GELDIG = "WHERE p.tot IS NULL OR p.van <= p.tot"

# +1 on the first day, -1 on the day after the last, once per level.
_DELTAS = """
SELECT n.niveau, n.begin, w.organisatie_id, w.organisatie_type, sum(w.delta)::int AS delta
FROM (
    SELECT organisatie_id, organisatie_type, van AS dag, teken AS delta FROM {bron}
    UNION ALL
    SELECT organisatie_id, organisatie_type, tot + 1, -teken FROM {bron} WHERE tot IS NOT NULL
) w
CROSS JOIN LATERAL (VALUES ('j', date_trunc('year', w.dag)::date), ('m', date_trunc('month', w.dag)::date), ('d', w.dag)) n (niveau, begin)
GROUP BY 1, 2, 3, 4 HAVING sum(w.delta) <> 0
"""

# One statement per set of members: the old stretches out (their counters down), the new in.
_LEDEN_BIJ = f"""
WITH oud AS (
    DELETE FROM lid_periode WHERE lid_id = ANY($1::uuid[])
    RETURNING organisatie_id, organisatie_type, van, tot, -1 AS teken
), nieuw AS (
    INSERT INTO lid_periode (lid_id, organisatie_id, organisatie_type, van, tot)
    SELECT p.* FROM ({_PERIODES.format(waar="AND m.lid_id = ANY($1::uuid[])")}) p {_GELDIG}
    RETURNING organisatie_id, organisatie_type, van, tot, 1 AS teken
), beide AS (SELECT * FROM oud UNION ALL SELECT * FROM nieuw)
INSERT INTO leden_teller (niveau, begin, organisatie_id, organisatie_type, delta)
{_DELTAS.format(bron="beide")}
ON CONFLICT (niveau, begin, organisatie_id, organisatie_type) DO UPDATE SET delta = leden_teller.delta + EXCLUDED.delta
"""
# A counter back at zero is dropped, so live and rebuilt tables hold the very same rows.
_LEDEN_NUL = "DELETE FROM leden_teller WHERE delta = 0"

_ACTIVITEIT_KOLOMMEN = "a.jaar, a.soort, a.trekker, a.vorm, a.telt, a.vvsg_werkte_mee, a.organisator_id"
_UREN_KOLOMMEN = "jaar, soort, trekker, vorm, telt, vvsg_werkte_mee, organisator_id, deelnemers, uren"
_UREN_SOM = "count(*)::int, sum(CASE WHEN w.uren > 0 THEN LEAST(w.uren, a.duur_uren) ELSE a.duur_uren END)"
_UREN_PER_ACTIVITEIT = (
    f"INSERT INTO uren_per_activiteit (activiteit_id, {_UREN_KOLOMMEN})"
    f" SELECT w.activiteit_id, {_ACTIVITEIT_KOLOMMEN}, {_UREN_SOM}"
    " FROM aanwezigheid w JOIN activiteit a ON a.activiteit_id = w.activiteit_id WHERE w.aanwezig {waar}"
    f" GROUP BY w.activiteit_id, {_ACTIVITEIT_KOLOMMEN}"
)
# Summed over the activities: per year, the activity's filter columns and attendee organisation.
# An activity's share is taken out before its events are written and put back after.
_UREN_SLEUTEL = "jaar, soort, trekker, vorm, vvsg_werkte_mee, organisatie_id, organisatie_type"
_UREN_PER_ORGANISATIE = (
    f"INSERT INTO uren_per_organisatie ({_UREN_SLEUTEL}, deelnemers, uren)"
    " SELECT a.jaar, a.soort, a.trekker, a.vorm, a.vvsg_werkte_mee, w.organisatie_id, w.organisatie_type,"
    " {teken} * count(*), {teken} * sum(CASE WHEN w.uren > 0 THEN LEAST(w.uren, a.duur_uren) ELSE a.duur_uren END)"
    " FROM aanwezigheid w JOIN activiteit a ON a.activiteit_id = w.activiteit_id WHERE w.aanwezig AND a.telt {waar}"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7"
    f" ON CONFLICT ({_UREN_SLEUTEL}) DO UPDATE SET deelnemers = uren_per_organisatie.deelnemers + EXCLUDED.deelnemers,"
    " uren = uren_per_organisatie.uren + EXCLUDED.uren"
)
# Held activities counted per year and filter columns; an activity leaves its old key and joins its new one.
_ACTIVITEIT_SLEUTEL = "jaar, soort, trekker, vorm, vvsg_werkte_mee"
_ACTIVITEITEN_TELLER = (
    f"INSERT INTO activiteit_teller ({_ACTIVITEIT_SLEUTEL}, aantal)"
    f" SELECT {_ACTIVITEIT_SLEUTEL}, {{teken}} * count(*) FROM activiteit WHERE telt {{waar}} GROUP BY 1, 2, 3, 4, 5"
    f" ON CONFLICT ({_ACTIVITEIT_SLEUTEL}) DO UPDATE SET aantal = activiteit_teller.aantal + EXCLUDED.aantal"
)
_VAN_DEZE = "AND w.activiteit_id = ANY($1::uuid[])"
_DEZE_ACTIVITEITEN = "AND activiteit_id = ANY($1::uuid[])"
_UREN_ORGANISATIE_WEG = _UREN_PER_ORGANISATIE.format(teken="-1", waar=_VAN_DEZE)
_UREN_ORGANISATIE_BIJ = _UREN_PER_ORGANISATIE.format(teken="1", waar=_VAN_DEZE)
_UREN_ORGANISATIE_NUL = "DELETE FROM uren_per_organisatie WHERE deelnemers = 0"

# Two consumer instances must not recompute aggregates at the same time: an activity's hours per
# organisation read its attendees' organisations, so a lock per member and per activity is not
# enough (one instance records an attendance while the other moves that member to another
# organisation, each in its own snapshot, and neither recomputes what the other changed). One lock
# for the aggregate step: the second waits for the first's commit, then its statements read the
# first's rows (read committed: a snapshot per statement). One instance is the usual case; there
# it costs nothing.
_VERGRENDEL = "SELECT pg_advisory_xact_lock(hashtextextended('kpi-aggregaten', 0))"


def _ids(ids: Iterable[UUID]) -> list[UUID]:
    return sorted(set(ids))


async def voor(raw: Any, leden: Iterable[UUID], activiteiten: Iterable[UUID]) -> None:
    """Before the fact rows of these members and activities are written (asyncpg, in its transaction)."""
    lids, acts = _ids(leden), _ids(activiteiten)
    if lids or acts:
        await raw.execute(_VERGRENDEL)
    if acts:
        await raw.execute(_UREN_ORGANISATIE_WEG, acts)
        await raw.execute(_ACTIVITEITEN_TELLER.format(teken="-1", waar=_DEZE_ACTIVITEITEN), acts)


async def na(raw: Any, leden: Iterable[UUID], activiteiten: Iterable[UUID]) -> None:
    """After: recompute their aggregates from the fact rows as they are now."""
    lids, acts = _ids(leden), _ids(activiteiten)
    if lids:
        await raw.execute(_LEDEN_BIJ, lids)
        await raw.execute(_LEDEN_NUL)
    if acts:
        await raw.execute("DELETE FROM uren_per_activiteit WHERE activiteit_id = ANY($1::uuid[])", acts)
        await raw.execute(_UREN_PER_ACTIVITEIT.format(waar=_VAN_DEZE), acts)
        await raw.execute(_UREN_ORGANISATIE_BIJ, acts)
        await raw.execute(_UREN_ORGANISATIE_NUL)
        await raw.execute(_ACTIVITEITEN_TELLER.format(teken="1", waar=_DEZE_ACTIVITEITEN), acts)
        await raw.execute("DELETE FROM activiteit_teller WHERE aantal = 0")


async def alles_opnieuw(raw: Any) -> None:
    """Every aggregate from the fact tables, set-based: the end of a rebuild, or a migration's fill."""
    await raw.execute("TRUNCATE lid_periode, leden_teller, uren_per_activiteit, uren_per_organisatie, activiteit_teller")
    await raw.execute(
        "INSERT INTO lid_periode (lid_id, organisatie_id, organisatie_type, van, tot)"
        f" SELECT p.* FROM ({_PERIODES.format(waar='')}) p {_GELDIG}"
    )
    await raw.execute(
        "INSERT INTO leden_teller (niveau, begin, organisatie_id, organisatie_type, delta) "
        + _DELTAS.format(bron="(SELECT organisatie_id, organisatie_type, van, tot, 1 AS teken FROM lid_periode) p")
        # In the order the pages read them (per level, from a date on): fewer pages to visit.
        + " ORDER BY 1, 2"
    )
    await raw.execute(_UREN_PER_ACTIVITEIT.format(waar=""))
    await raw.execute(_UREN_PER_ORGANISATIE.format(teken="1", waar=""))
    await raw.execute(_ACTIVITEITEN_TELLER.format(teken="1", waar=""))


# --- reading ----------------------------------------------------------------------------------

# Members per organisation on :peil (the rows of store._LEDEN, counted per organisation).
LEDEN_PER_ORGANISATIE = """
SELECT t.organisatie_id AS org_id, t.organisatie_type AS org_type, sum(t.delta)::int AS leden
FROM leden_teller t
WHERE (t.niveau = 'j' AND t.begin < date_trunc('year', CAST(:peil AS date))::date)
   OR (t.niveau = 'm' AND t.begin >= date_trunc('year', CAST(:peil AS date))::date AND t.begin < date_trunc('month', CAST(:peil AS date))::date)
   OR (t.niveau = 'd' AND t.begin >= date_trunc('month', CAST(:peil AS date))::date AND t.begin <= CAST(:peil AS date))
GROUP BY 1, 2 HAVING sum(t.delta) > 0
"""
