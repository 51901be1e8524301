-- Local digital-inclusion policy plans. A plan belongs to an organisation (its id follows the
-- platform rule for local governments) and records the catalogue version it was started on,
-- so a later catalogue never silently changes the meaning of an existing plan.

CREATE TABLE beleidsplan (
    beleidsplan_id    uuid PRIMARY KEY,
    organisatie_id    uuid NOT NULL,
    titel             text NOT NULL CHECK (char_length(titel) BETWEEN 1 AND 200),
    catalogus_versie  text NOT NULL,
    aangemaakt_op     timestamptz NOT NULL
);
CREATE INDEX beleidsplan_per_organisatie ON beleidsplan (organisatie_id, aangemaakt_op DESC);
