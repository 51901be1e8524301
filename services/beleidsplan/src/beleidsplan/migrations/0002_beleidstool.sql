-- The whole beleidstool: the workshop steps of a plan, its actions and their history, the
-- self-assessments, support requests, and what the plan reads from other services' events
-- (organisation profiles and the network's upcoming activities).

ALTER TABLE beleidsplan
    ADD COLUMN versie          integer NOT NULL DEFAULT 1,  -- optimistic locking: two people, one plan
    ADD COLUMN gewijzigd_op    timestamptz,
    ADD COLUMN gepubliceerd_op timestamptz,
    -- Step 0 (preparation): free fields.
    ADD COLUMN risicogroepen     text NOT NULL DEFAULT '',
    ADD COLUMN bestaande_acties  text NOT NULL DEFAULT '',
    ADD COLUMN partners          text NOT NULL DEFAULT '',
    ADD COLUMN meerjarenplan     text NOT NULL DEFAULT '';

-- Steps 1-3: the chosen elements, their score (with a note) and their priority.
CREATE TABLE plan_element (
    beleidsplan_id  uuid NOT NULL REFERENCES beleidsplan (beleidsplan_id) ON DELETE CASCADE,
    element_id      text NOT NULL,
    score           text CHECK (score IN ('rood', 'oranje', 'groen')),
    notitie         text NOT NULL DEFAULT '',
    prioriteit      text CHECK (prioriteit IN ('kort', 'lang', 'niet_nu')),
    PRIMARY KEY (beleidsplan_id, element_id)
);

-- Steps 4-6: actions per element, anchored in the meerjarenplan, followed up.
CREATE TABLE plan_actie (
    actie_id             uuid PRIMARY KEY,
    beleidsplan_id       uuid NOT NULL REFERENCES beleidsplan (beleidsplan_id) ON DELETE CASCADE,
    element_id           text NOT NULL,
    wat                  text NOT NULL,
    eigenaar             text NOT NULL DEFAULT '',
    betrokken            text NOT NULL DEFAULT '',
    start                date,
    einde                date,
    budget               numeric(14, 2),
    bbc_code             text NOT NULL DEFAULT '',
    doelgroep            text NOT NULL DEFAULT '',
    indicator            text NOT NULL DEFAULT '',
    baseline             text NOT NULL DEFAULT '',
    streefwaarde         text NOT NULL DEFAULT '',
    bron                 text NOT NULL DEFAULT '',
    status               text NOT NULL DEFAULT 'rood' CHECK (status IN ('rood', 'oranje', 'groen')),
    evaluatiedatum       date,
    beleidsdoelstelling  text NOT NULL DEFAULT '',
    actieplan            text NOT NULL DEFAULT '',
    aangemaakt_op        timestamptz NOT NULL,
    CHECK (einde IS NULL OR start IS NULL OR einde >= start)
);
CREATE INDEX plan_actie_per_plan ON plan_actie (beleidsplan_id, element_id, aangemaakt_op);

-- Step 6: every change, who, when, what (in words people read).
CREATE TABLE plan_historiek (
    id              bigserial PRIMARY KEY,
    beleidsplan_id  uuid NOT NULL REFERENCES beleidsplan (beleidsplan_id) ON DELETE CASCADE,
    op              timestamptz NOT NULL,
    wie             text NOT NULL,
    wat             text NOT NULL
);
CREATE INDEX plan_historiek_per_plan ON plan_historiek (beleidsplan_id, id DESC);

-- The self-assessment on the 18 imec policy actions: one per organisation and year, revisable.
CREATE TABLE zelfevaluatie (
    zelfevaluatie_id  uuid PRIMARY KEY,
    organisatie_id    uuid NOT NULL,
    jaar              integer NOT NULL,
    catalogus_versie  text NOT NULL,
    antwoorden        jsonb NOT NULL,  -- {"VV-1": "wel", ...}
    grootteklasse     text,            -- as known when submitted: peers are compared per year
    provincie         text,
    ingediend_op      timestamptz NOT NULL,
    UNIQUE (organisatie_id, jaar)
);

-- Requests for tailored support sent from a plan (the event goes to registratie).
CREATE TABLE ondersteuningsvraag (
    vraag_id        uuid PRIMARY KEY,
    beleidsplan_id  uuid NOT NULL REFERENCES beleidsplan (beleidsplan_id) ON DELETE CASCADE,
    element_id      text NOT NULL,
    vraag           text NOT NULL,
    gevraagd_op     timestamptz NOT NULL,
    gevraagd_door   text NOT NULL
);

-- From registratie's events: the organisations (for the municipality profile) ...
CREATE TABLE organisatie (
    organisatie_id  uuid PRIMARY KEY,
    versie          integer NOT NULL,
    naam            text NOT NULL,
    type            text NOT NULL,
    nis_code        text,
    provincie       text,
    inwoners        integer,
    grootteklasse   text
);

-- ... and the network's activities with the pillars and elements they serve.
CREATE TABLE aanbod (
    activiteit_id  uuid PRIMARY KEY,
    versie         integer NOT NULL,
    soort          text NOT NULL,
    titel          text NOT NULL,
    start          timestamptz NOT NULL,
    einde          timestamptz NOT NULL,
    status         text NOT NULL,
    vorm           text NOT NULL,
    plaats         text,
    url            text,
    pijlers        text[] NOT NULL DEFAULT '{}',
    elementen      text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX aanbod_elementen ON aanbod USING gin (elementen);
CREATE INDEX aanbod_pijlers ON aanbod USING gin (pijlers);
