-- Self-assessments of local governments on the 18 imec policy actions (beleidsplan's
-- `zelfevaluatie.ingediend`): one row per assessment; a revision of the same year replaces it.
-- The context figure counts local governments per year, not submissions.
CREATE TABLE zelfevaluatie (
    zelfevaluatie_id  uuid        PRIMARY KEY,
    organisatie_id    uuid        NOT NULL,
    jaar              integer     NOT NULL,
    ingediend_op      timestamptz NOT NULL
);
CREATE INDEX zelfevaluatie_per_jaar ON zelfevaluatie (jaar, organisatie_id);
