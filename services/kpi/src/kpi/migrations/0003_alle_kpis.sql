-- Every KPI of the catalogue. The projections below are built only from events, can be rebuilt
-- from the stream at any time (`python -m kpi rebuild`, see herbouw.PROJECTIES) and hold no
-- personal data: ids, organisations, dates, hours. Titles of activities and newsletters are
-- the organisation's own publications, not data about persons.
--
-- Every upsert is idempotent and order-independent (a newer `versie` or a later timestamp wins),
-- because two consumer instances may handle one aggregate's events in either order, and a
-- rebuild may apply an event the live consumer also applies.
-- No serial or identity columns: a rebuild moves fresh copies of these tables into place.

-- The catalogue's targets stay as they were seeded; staff changes are events (kpi_doel below).
ALTER TABLE kpi_doel RENAME TO kpi_doel_catalogus;
ALTER INDEX kpi_doel_pkey RENAME TO kpi_doel_catalogus_pkey;

CREATE TABLE kpi_doel (
    kpi_id        text        NOT NULL,
    jaar          integer     NOT NULL,
    doel          numeric     CHECK (doel >= 0),  -- null: staff removed the target
    gewijzigd_op  timestamptz NOT NULL,
    event_id      text        NOT NULL,
    PRIMARY KEY (kpi_id, jaar)
);

-- Closing and re-opening, every one kept; a year's state is its latest entry.
CREATE TABLE jaar_afsluiting (
    event_id  text        PRIMARY KEY,
    jaar      integer     NOT NULL,
    actie     text        NOT NULL CHECK (actie IN ('afgesloten', 'heropend')),
    op        timestamptz NOT NULL,
    reden     text,
    cijfers   jsonb       NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX jaar_afsluiting_jaar ON jaar_afsluiting (jaar, op);

-- A member's events may arrive in any order: every column is filled by its own event.
ALTER TABLE lidmaatschap
    ALTER COLUMN organisatie_id DROP NOT NULL,
    ALTER COLUMN organisatie_type DROP NOT NULL,
    ALTER COLUMN lid_sinds DROP NOT NULL,
    ADD COLUMN uitgeschreven_tot date,
    ADD COLUMN gewist_tot date;

-- For whom a member works, from when: splits use the organisation on the reference date.
CREATE TABLE lid_organisatie (
    lid_id            uuid NOT NULL,
    vanaf             date NOT NULL,
    organisatie_id    uuid NOT NULL,
    organisatie_type  text NOT NULL,
    PRIMARY KEY (lid_id, vanaf)
);

CREATE TABLE kennisdeling (
    lid_id  uuid    NOT NULL,
    datum   date    NOT NULL,
    lid     boolean NOT NULL,
    PRIMARY KEY (lid_id, datum)
);

CREATE TABLE organisatie (
    organisatie_id  uuid    PRIMARY KEY,
    versie          integer NOT NULL,
    naam            text    NOT NULL,
    type            text    NOT NULL,
    provincie       text,
    grootteklasse   text,
    nis_code        text
);

-- The latest snapshot of every activity, with the rules of domain.py applied: `jaar` is the
-- Belgian year of its start, `telt` whether it was held.
CREATE TABLE activiteit (
    activiteit_id      uuid          PRIMARY KEY,
    versie             integer       NOT NULL,
    soort              text          NOT NULL,
    titel              text          NOT NULL,
    organisator_id     uuid          NOT NULL,
    trekker            text          NOT NULL,
    vorm               text          NOT NULL,
    start              timestamptz   NOT NULL,
    einde              timestamptz   NOT NULL,
    duur_uren          numeric(8, 2) NOT NULL,
    status             text          NOT NULL,
    vvsg_werkte_mee    boolean       NOT NULL,
    lokaal_bestuur_id  uuid,
    ondersteuning      text,
    methode            text,
    url                text,
    jaar               integer       NOT NULL,
    telt               boolean       NOT NULL
);
CREATE INDEX activiteit_jaar_soort ON activiteit (jaar, soort) WHERE telt;

CREATE TABLE aanwezigheid (
    activiteit_id     uuid          NOT NULL,
    lid_id            uuid          NOT NULL,
    versie            integer       NOT NULL,
    organisatie_id    uuid          NOT NULL,
    organisatie_type  text          NOT NULL,
    aanwezig          boolean       NOT NULL,
    uren              numeric(8, 2) NOT NULL,
    PRIMARY KEY (activiteit_id, lid_id)
);

CREATE TABLE feedback (
    feedback_id      uuid        PRIMARY KEY,
    activiteit_id    uuid        NOT NULL,
    soort            text        NOT NULL,
    score            smallint    NOT NULL,
    ontvangen_op     timestamptz NOT NULL
);
CREATE INDEX feedback_activiteit ON feedback (activiteit_id);

CREATE TABLE nieuwsbrief (
    nieuwsbrief_id     uuid        PRIMARY KEY,
    titel              text        NOT NULL,
    verzonden_op       timestamptz NOT NULL,
    aantal_ontvangers  integer     NOT NULL,
    jaar               integer     NOT NULL
);

CREATE TABLE beleidsplan_publicatie (
    beleidsplan_id   uuid        PRIMARY KEY,
    organisatie_id   uuid        NOT NULL,
    gepubliceerd_op  timestamptz NOT NULL
);

-- Which events made which record: the "explain" page of every figure. `sleutel` is the
-- aggregate the event is about (activity, member, organisation, newsletter, plan).
CREATE TABLE bron_event (
    event_id   text        PRIMARY KEY,
    type       text        NOT NULL,
    tijd       timestamptz NOT NULL,
    sleutel    uuid,
    onderwerp  text
);
CREATE INDEX bron_event_sleutel ON bron_event (sleutel);
