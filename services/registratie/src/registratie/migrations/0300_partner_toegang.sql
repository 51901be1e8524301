-- Credentials with which a partner organisation publishes its own activities.
-- An HTTP token is stored only as its SHA-256 (it is random and long, so no slow hash is needed);
-- the prefix is the part people see to tell tokens apart. Rows are never deleted: a revoked
-- token stays listed, so who could publish when remains known.
CREATE TABLE partner_sleutels (
    id                  uuid PRIMARY KEY,
    organisatie_id      uuid NOT NULL REFERENCES organisaties (id),
    prefix              text NOT NULL UNIQUE CHECK (prefix ~ '^dnp_[a-z0-9]{8}$'),
    hash                text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    omschrijving        text NOT NULL CHECK (length(omschrijving) BETWEEN 1 AND 200),
    aangemaakt_op       timestamptz NOT NULL DEFAULT now(),
    aangemaakt_door     text NOT NULL,
    laatst_gebruikt_op  timestamptz,
    ingetrokken_op      timestamptz,
    ingetrokken_door    text,
    CHECK ((ingetrokken_op IS NULL) = (ingetrokken_door IS NULL))
);
CREATE INDEX partner_sleutels_organisatie ON partner_sleutels (organisatie_id, aangemaakt_op DESC);

-- NATS users issued to partners. The server's configuration is generated from
-- deploy/nats/partners.json, so this is the register staff copy that entry from: the bcrypt hash
-- (not a secret) and, once revoked, the reminder to remove it there.
CREATE TABLE partner_nats_gebruikers (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    gebruiker           text NOT NULL CHECK (gebruiker ~ '^partner-[a-z0-9-]{1,40}$'),
    organisatie_id      uuid NOT NULL REFERENCES organisaties (id),
    wachtwoord_bcrypt   text NOT NULL CHECK (wachtwoord_bcrypt ~ '^\$2[abxy]\$[0-9]{2}\$'),
    aangemaakt_op       timestamptz NOT NULL DEFAULT now(),
    aangemaakt_door     text NOT NULL,
    ingetrokken_op      timestamptz,
    ingetrokken_door    text,
    CHECK ((ingetrokken_op IS NULL) = (ingetrokken_door IS NULL))
);
-- A user name is reused when a partner gets a new password, but only one of them is valid.
CREATE UNIQUE INDEX partner_nats_gebruikers_actief ON partner_nats_gebruikers (gebruiker) WHERE ingetrokken_op IS NULL;
CREATE INDEX partner_nats_gebruikers_organisatie ON partner_nats_gebruikers (organisatie_id);
