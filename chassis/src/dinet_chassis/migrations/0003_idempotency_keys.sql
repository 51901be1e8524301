-- Answers to requests sent with an Idempotency-Key (see web/idempotentie.py). A row is written in
-- the same transaction as the request's effect, so it exists exactly when the effect does.

CREATE TABLE idempotency_keys (
    scope         text        NOT NULL,  -- method, path and who sent it: keys are unique per client
    key           text        NOT NULL,
    fingerprint   text        NOT NULL,  -- SHA-256 of the request, to refuse the key for another one
    status        integer,
    headers       jsonb,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
-- Keys expire after 24 hours; the clean-up finds them by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
