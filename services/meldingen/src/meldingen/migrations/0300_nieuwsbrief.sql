-- The newsletter: issues composed by staff from blocks, sent to a segment of confirmed subscribers.

-- What a segment is chosen by: the member's organisation (no names, from registratie's facts).
CREATE TABLE lid_organisatie (
    lid_id           uuid PRIMARY KEY,
    organisatie_id   uuid NOT NULL,
    organisatie_type text NOT NULL
);
CREATE TABLE organisatie (
    organisatie_id uuid    PRIMARY KEY,
    versie         integer NOT NULL,
    type           text    NOT NULL,
    provincie      text,
    grootteklasse  text
);

CREATE TABLE nieuwsbrief (
    id                uuid        PRIMARY KEY,
    titel             text        NOT NULL,
    -- [{"soort": "tekst", "markdown": "..."}, {"soort": "activiteiten"}, {"soort": "praktijken"}]
    blokken           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    -- {"organisatie_type": [...], "provincie": [...], "grootteklasse": [...]}; empty: every subscriber
    segment           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    per_minuut        integer     NOT NULL DEFAULT 600 CHECK (per_minuut BETWEEN 1 AND 100000),
    status            text        NOT NULL DEFAULT 'concept'
                      CHECK (status IN ('concept', 'gepland', 'verzenden', 'verzonden')),
    gepland_op        timestamptz,
    -- The content as sent, frozen when sending starts: every recipient and the archive get the same.
    inhoud_html       text,
    inhoud_tekst      text,
    aantal_ontvangers integer,
    verzonden_op      timestamptz,
    aangemaakt_op     timestamptz NOT NULL DEFAULT now(),
    gewijzigd_op      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO regel (soort, gebeurtenis, ontvangers, doel, uren) VALUES
    ('nieuwsbrief', 'een nummer wordt verstuurd', 'bevestigde abonnees in het gekozen segment', 'nieuwsbrief', NULL);

CREATE INDEX melding_nieuwsbrief ON melding ((gegevens ->> 'nieuwsbrief_id')) WHERE soort = 'nieuwsbrief';

-- The journal of SMTP transactions: an entry is written (and committed) just before a mail is
-- handed to the server and closed (`aangekomen`) once the server took it, both on a connection
-- of its own; entries go in the transaction that marks the mails sent. An entry left behind
-- after a crash says either "arrived" (mark it sent, do not send) or "under way" (it may have
-- arrived: send once more, same Message-ID; never a third time). No foreign key: its key-share
-- lock would wait on the mail row being sent.
CREATE TABLE smtp_poging (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    melding_id  uuid        NOT NULL,
    aangekomen  boolean     NOT NULL DEFAULT false,
    begonnen_op timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX smtp_poging_melding ON smtp_poging (melding_id);
