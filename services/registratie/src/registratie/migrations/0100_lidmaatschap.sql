-- Membership over time: leaving the network, the knowledge-sharing space, organisation changes,
-- consent through more channels, and what stays of an erased member.

-- Every change of an organisation is announced (OrganisatieBijgewerkt) with a version.
-- 0 means "never announced yet": the seed step announces those and makes them 1.
ALTER TABLE organisaties ADD COLUMN versie integer NOT NULL DEFAULT 0 CHECK (versie >= 0);
-- Forget which data files were loaded, so the seed step runs once more and announces every
-- organisation that exists already.
DELETE FROM referentiedata;

-- The last day of membership; NULL while the person is a member.
ALTER TABLE leden ADD COLUMN lid_tot date;
ALTER TABLE leden ADD CONSTRAINT leden_lid_tot_na_lid_sinds CHECK (lid_tot IS NULL OR lid_tot >= lid_sinds);
CREATE INDEX leden_naam ON leden (lower(naam));

-- An erased member: no name, no address, only what the figures need. Erasure deletes the row
-- in `leden` (so every table that refers to it follows its own ON DELETE rule) and keeps this.
CREATE TABLE gewiste_leden (
    id              uuid PRIMARY KEY,
    organisatie_id  uuid NOT NULL REFERENCES organisaties (id),
    lid_sinds       date NOT NULL,
    lid_tot         date,
    gewist_op       timestamptz NOT NULL DEFAULT now()
);

-- Everyone who is or was a member, erased or not: "who was a member on day D" reads this.
CREATE VIEW lidmaatschappen AS
    SELECT id AS lid_id, organisatie_id, lid_sinds, lid_tot, false AS gewist FROM leden
    UNION ALL
    SELECT id, organisatie_id, lid_sinds, lid_tot, true FROM gewiste_leden;

-- Periods of membership of the online knowledge-sharing space (KPI od11_kennisdeling).
-- No foreign key: the periods of an erased member stay, as ids and dates, for the counts.
CREATE TABLE kennisdeling (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lid_id  uuid NOT NULL,
    van     date NOT NULL,
    tot     date,
    CHECK (tot IS NULL OR tot >= van)
);
-- At most one open period per member: joining twice in a row is one membership.
CREATE UNIQUE INDEX kennisdeling_een_open_periode ON kennisdeling (lid_id) WHERE tot IS NULL;
CREATE INDEX kennisdeling_lid ON kennisdeling (lid_id, van);

-- A member moved to another organisation from `vanaf` on (`leden.organisatie_id` is the current one).
-- Kept after erasure for the same reason as `kennisdeling`.
CREATE TABLE organisatiewissels (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lid_id               uuid NOT NULL,
    van_organisatie_id   uuid NOT NULL REFERENCES organisaties (id),
    naar_organisatie_id  uuid NOT NULL REFERENCES organisaties (id),
    vanaf                date NOT NULL,
    geregistreerd_op     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisatiewissels_lid ON organisatiewissels (lid_id, vanaf);

-- Consent is now also given or withdrawn in self-service, by staff (on the member's request, e.g.
-- by phone) and taken over from the old member list.
ALTER TABLE toestemmingen DROP CONSTRAINT toestemmingen_hoe_check;
ALTER TABLE toestemmingen ADD CONSTRAINT toestemmingen_hoe_check
    CHECK (hoe IN ('aanmeldformulier', 'api', 'zelfservice', 'medewerker', 'import'));
