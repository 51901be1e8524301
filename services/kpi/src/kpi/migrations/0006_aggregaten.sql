-- Pre-aggregated projections for the dashboard (see aggregaten.py): per member its stretches of
-- membership with their organisation, per organisation the members joining and leaving per
-- year, month and day, and per activity and attendee organisation the participant hours.
-- Maintained by the same handlers as the fact tables; filled by the next rebuild
-- (`python -m kpi rebuild`) or, for rows already here, by the statements below.

CREATE TABLE lid_periode (
    lid_id            uuid NOT NULL,
    organisatie_id    uuid,
    organisatie_type  text,
    van               date NOT NULL,
    tot               date
);
CREATE INDEX lid_periode_lid ON lid_periode (lid_id);

CREATE TABLE leden_teller (
    niveau            char(1) NOT NULL CHECK (niveau IN ('j', 'm', 'd')),
    begin             date    NOT NULL,
    organisatie_id    uuid,
    organisatie_type  text,
    delta             integer NOT NULL,
    UNIQUE NULLS NOT DISTINCT (niveau, begin, organisatie_id, organisatie_type)
);
-- A counter back at zero is deleted in the same transaction: this index finds it without a scan.
CREATE INDEX leden_teller_nul ON leden_teller (niveau) WHERE delta = 0;

-- The activity's columns the KPIs filter on are copied in (an activity's change recomputes its
-- rows), so a year's hours are read from these rows alone, through their own index.
CREATE TABLE uren_per_activiteit (
    activiteit_id     uuid           PRIMARY KEY,
    jaar              integer        NOT NULL,
    soort             text           NOT NULL,
    trekker           text           NOT NULL,
    vorm              text           NOT NULL,
    telt              boolean        NOT NULL,
    vvsg_werkte_mee   boolean        NOT NULL,
    organisator_id    uuid           NOT NULL,
    deelnemers        integer        NOT NULL,
    uren              numeric(14, 2) NOT NULL
);
CREATE INDEX uren_per_activiteit_jaar_soort ON uren_per_activiteit (jaar, soort) WHERE telt;

-- The same summed over the held activities of a year with the same filter columns, per attendee
-- organisation: for the splits by the participants' organisations.
CREATE TABLE uren_per_organisatie (
    jaar              integer        NOT NULL,
    soort             text           NOT NULL,
    trekker           text           NOT NULL,
    vorm              text           NOT NULL,
    vvsg_werkte_mee   boolean        NOT NULL,
    organisatie_id    uuid           NOT NULL,
    organisatie_type  text           NOT NULL,
    deelnemers        integer        NOT NULL,
    uren              numeric(14, 2) NOT NULL,
    PRIMARY KEY (jaar, soort, trekker, vorm, vvsg_werkte_mee, organisatie_id, organisatie_type)
);
CREATE INDEX uren_per_organisatie_nul ON uren_per_organisatie (jaar) WHERE deelnemers = 0;


-- Held activities counted per year and the columns the KPIs filter on.
CREATE TABLE activiteit_teller (
    jaar             integer NOT NULL,
    soort            text    NOT NULL,
    trekker          text    NOT NULL,
    vorm             text    NOT NULL,
    vvsg_werkte_mee  boolean NOT NULL,
    aantal           integer NOT NULL,
    PRIMARY KEY (jaar, soort, trekker, vorm, vvsg_werkte_mee)
);
CREATE INDEX activiteit_teller_nul ON activiteit_teller (jaar) WHERE aantal = 0;

-- The rows of the projections already here (the same statements as aggregaten.alles_opnieuw).
INSERT INTO lid_periode (lid_id, organisatie_id, organisatie_type, van, tot) SELECT p.* FROM (
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
WHERE m.lid_sinds IS NOT NULL
) p WHERE p.tot IS NULL OR p.van <= p.tot;

INSERT INTO leden_teller (niveau, begin, organisatie_id, organisatie_type, delta)
SELECT n.niveau, n.begin, w.organisatie_id, w.organisatie_type, sum(w.delta)::int AS delta
FROM (
    SELECT organisatie_id, organisatie_type, van AS dag, teken AS delta FROM (SELECT organisatie_id, organisatie_type, van, tot, 1 AS teken FROM lid_periode) p
    UNION ALL
    SELECT organisatie_id, organisatie_type, tot + 1, -teken FROM (SELECT organisatie_id, organisatie_type, van, tot, 1 AS teken FROM lid_periode) p WHERE tot IS NOT NULL
) w
CROSS JOIN LATERAL (VALUES ('j', date_trunc('year', w.dag)::date), ('m', date_trunc('month', w.dag)::date), ('d', w.dag)) n (niveau, begin)
GROUP BY 1, 2, 3, 4 HAVING sum(w.delta) <> 0
 ORDER BY 1, 2;

INSERT INTO uren_per_activiteit (activiteit_id, jaar, soort, trekker, vorm, telt, vvsg_werkte_mee, organisator_id, deelnemers, uren) SELECT w.activiteit_id, a.jaar, a.soort, a.trekker, a.vorm, a.telt, a.vvsg_werkte_mee, a.organisator_id, count(*)::int, sum(CASE WHEN w.uren > 0 THEN LEAST(w.uren, a.duur_uren) ELSE a.duur_uren END) FROM aanwezigheid w JOIN activiteit a ON a.activiteit_id = w.activiteit_id WHERE w.aanwezig  GROUP BY w.activiteit_id, a.jaar, a.soort, a.trekker, a.vorm, a.telt, a.vvsg_werkte_mee, a.organisator_id;

INSERT INTO uren_per_organisatie (jaar, soort, trekker, vorm, vvsg_werkte_mee, organisatie_id, organisatie_type, deelnemers, uren) SELECT a.jaar, a.soort, a.trekker, a.vorm, a.vvsg_werkte_mee, w.organisatie_id, w.organisatie_type, 1 * count(*), 1 * sum(CASE WHEN w.uren > 0 THEN LEAST(w.uren, a.duur_uren) ELSE a.duur_uren END) FROM aanwezigheid w JOIN activiteit a ON a.activiteit_id = w.activiteit_id WHERE w.aanwezig AND a.telt  GROUP BY 1, 2, 3, 4, 5, 6, 7 ON CONFLICT (jaar, soort, trekker, vorm, vvsg_werkte_mee, organisatie_id, organisatie_type) DO UPDATE SET deelnemers = uren_per_organisatie.deelnemers + EXCLUDED.deelnemers, uren = uren_per_organisatie.uren + EXCLUDED.uren;

INSERT INTO activiteit_teller (jaar, soort, trekker, vorm, vvsg_werkte_mee, aantal) SELECT jaar, soort, trekker, vorm, vvsg_werkte_mee, 1 * count(*) FROM activiteit WHERE telt  GROUP BY 1, 2, 3, 4, 5;
