-- Projections of the events the KPIs are computed from. No names, no addresses: ids,
-- organisation and dates only, so they can be kept for the whole five-year plan and rebuilt
-- from the event stream at any time.

CREATE TABLE lidmaatschap (
    lid_id            uuid PRIMARY KEY,
    organisatie_id    uuid NOT NULL,
    organisatie_type  text NOT NULL,
    lid_sinds         date NOT NULL
);
CREATE INDEX lidmaatschap_lid_sinds ON lidmaatschap (lid_sinds);

CREATE TABLE beleidsplan (
    beleidsplan_id  uuid PRIMARY KEY,
    organisatie_id  uuid NOT NULL,
    aangemaakt_op   timestamptz NOT NULL
);
CREATE INDEX beleidsplan_aangemaakt_op ON beleidsplan (aangemaakt_op);

CREATE TABLE nieuwsbrief_bevestiging (
    lid_id        uuid PRIMARY KEY,
    bevestigd_op  timestamptz NOT NULL
);
CREATE INDEX nieuwsbrief_bevestiging_bevestigd_op ON nieuwsbrief_bevestiging (bevestigd_op);
