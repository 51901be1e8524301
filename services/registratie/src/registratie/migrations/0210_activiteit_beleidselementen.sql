-- Activity events version 2: a link to join online, and the beleidstool pillars and policy
-- elements an activity serves (ids of the shared catalogue), so local governments' plans can
-- show the network's offer per element.
ALTER TABLE activiteiten
    ADD COLUMN deelnamelink text CHECK (deelnamelink IS NULL OR deelnamelink ~ '^https://\S+$'),
    ADD COLUMN pijlers      text[] NOT NULL DEFAULT '{}',
    ADD COLUMN elementen    text[] NOT NULL DEFAULT '{}';
CREATE INDEX activiteiten_elementen ON activiteiten USING gin (elementen);
