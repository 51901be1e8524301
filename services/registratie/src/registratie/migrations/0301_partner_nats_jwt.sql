-- Partner NATS users are now nkey users with a JWT signed by the PARTNER account's signing key:
-- valid the moment they are issued, revoked by pushing the account with a revocation list. The
-- register keeps the user's public key (not a secret; the seed is shown once and never stored);
-- the revocation list is made from the revoked rows. Users from the password era never reached
-- a server without someone editing files; they are marked revoked so none stays "valid".
ALTER TABLE partner_nats_gebruikers
    ADD COLUMN publieke_sleutel text UNIQUE CHECK (publieke_sleutel ~ '^U[A-Z2-7]{55}$'),
    ALTER COLUMN wachtwoord_bcrypt DROP NOT NULL;
UPDATE partner_nats_gebruikers
   SET ingetrokken_op = now(), ingetrokken_door = 'overstap naar NATS-sleutels'
 WHERE publieke_sleutel IS NULL AND ingetrokken_op IS NULL;
ALTER TABLE partner_nats_gebruikers
    ADD CONSTRAINT partner_nats_gebruikers_sleutel_of_oud
    CHECK (publieke_sleutel IS NOT NULL OR wachtwoord_bcrypt IS NOT NULL);
