-- meldingen keeps personal data only to deliver mail: a member's name, address and newsletter wish.

CREATE TABLE contact (
    lid_id                   uuid        PRIMARY KEY,
    naam                     text        NOT NULL,
    email                    text        NOT NULL,
    nieuwsbrief_gewenst      boolean     NOT NULL,
    nieuwsbrief_bevestigd_op timestamptz,
    -- The event time of the data we hold: an older event that arrives late must not overwrite it.
    gegevens_van             timestamptz NOT NULL,
    bijgewerkt_op            timestamptz NOT NULL DEFAULT now()
);

-- Every mail we intend to send, written in the same transaction as the event that caused it,
-- so a redelivered event cannot plan a second mail and a crash cannot lose one.
CREATE TABLE melding (
    id                 uuid        PRIMARY KEY,
    lid_id             uuid        NOT NULL,
    soort              text        NOT NULL CHECK (soort IN ('welkom', 'nieuwsbrief_bevestiging')),
    bron_event_id      text        NOT NULL,
    status             text        NOT NULL DEFAULT 'wachtend' CHECK (status IN ('wachtend', 'verzonden', 'mislukt')),
    aangemaakt_op      timestamptz NOT NULL DEFAULT now(),
    verzonden_op       timestamptz,
    pogingen           integer     NOT NULL DEFAULT 0,
    volgende_poging_op timestamptz NOT NULL DEFAULT now(),
    reden              text,
    -- The opt-in link's token in clear, needed to compose the mail; wiped once the mail is sent.
    token              text,
    UNIQUE (lid_id, soort, bron_event_id)
);
CREATE INDEX melding_te_verzenden ON melding (volgende_poging_op) WHERE status = 'wachtend';

-- Double opt-in tokens, stored only as a sha256 hash: a database leak gives no working links.
CREATE TABLE nieuwsbrief_token (
    token_hash   text        PRIMARY KEY,
    lid_id       uuid        NOT NULL,
    melding_id   uuid        NOT NULL REFERENCES melding (id),
    aangemaakt_op timestamptz NOT NULL DEFAULT now(),
    verloopt_op  timestamptz NOT NULL,
    gebruikt_op  timestamptz
);
CREATE INDEX nieuwsbrief_token_lid ON nieuwsbrief_token (lid_id);
