-- Single-use sign-in links for members (self-service without a password). Only a sha256 hash
-- of the token is stored: a database leak gives no working link.
CREATE TABLE aanmeldlinks (
    token_hash     text PRIMARY KEY,
    lid_id         uuid NOT NULL REFERENCES leden (id) ON DELETE CASCADE,
    aangemaakt_op  timestamptz NOT NULL DEFAULT now(),
    verloopt_op    timestamptz NOT NULL,
    gebruikt_op    timestamptz
);
CREATE INDEX aanmeldlinks_lid ON aanmeldlinks (lid_id, aangemaakt_op);
