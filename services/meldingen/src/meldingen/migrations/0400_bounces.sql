-- Bounces (delivery status notifications, RFC 3464) and addresses held after them.

-- Held: no optional mail (newsletter, invitations) until staff release the address.
ALTER TABLE contact ADD COLUMN geblokkeerd_op timestamptz;
ALTER TABLE contact ADD COLUMN blokkeer_reden text;

CREATE TABLE bounce (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    melding_id   uuid        NOT NULL,
    lid_id       uuid        NOT NULL,
    soort        text        NOT NULL CHECK (soort IN ('hard', 'zacht')),
    status       text        NOT NULL,
    ontvangen_op timestamptz NOT NULL DEFAULT now(),
    -- The notification it came from: read twice (a crash before it was filed away), counted once.
    bron         text        NOT NULL,
    UNIQUE (melding_id, bron)
);
CREATE INDEX bounce_lid ON bounce (lid_id, ontvangen_op);
