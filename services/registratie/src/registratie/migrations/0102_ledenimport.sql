-- Importing the old member list: an uploaded file becomes a task with a preview; only when staff
-- confirm is it written, in one transaction, by a background job that reports its progress here.
CREATE TABLE ledenimport (
    id             uuid PRIMARY KEY,
    bestandsnaam   text NOT NULL,
    status         text NOT NULL CHECK (status IN ('voorbeeld', 'bezig', 'klaar', 'mislukt', 'geannuleerd')),
    door           text NOT NULL,
    aangemaakt_op  timestamptz NOT NULL DEFAULT now(),
    bijgewerkt_op  timestamptz NOT NULL DEFAULT now(),
    rijen          integer NOT NULL,   -- data rows in the file
    te_schrijven   integer NOT NULL,   -- valid rows after merging duplicates within the file
    verwerkt       integer NOT NULL DEFAULT 0,
    -- [{rij, veld, code, melding}] per bad row; [{rij, met_rij}] per row merged into another.
    -- Values from the file are kept only in `ledenimport_rijen`, which goes when the task ends.
    fouten         jsonb NOT NULL DEFAULT '[]'::jsonb,
    samengevoegd   jsonb NOT NULL DEFAULT '[]'::jsonb,
    nieuw          integer,
    bijgewerkt     integer,
    ongewijzigd    integer,
    reden          text
);
-- At most one import writes at a time.
CREATE UNIQUE INDEX ledenimport_een_bezig ON ledenimport ((true)) WHERE status = 'bezig';

CREATE TABLE ledenimport_rijen (
    import_id       uuid NOT NULL REFERENCES ledenimport (id) ON DELETE CASCADE,
    rij             integer NOT NULL,  -- the row number in the spreadsheet (header = 1)
    naam            text NOT NULL,
    email           text NOT NULL,
    organisatie_id  uuid NOT NULL REFERENCES organisaties (id),
    functie         text,
    nieuwsbrief     boolean,
    lid_sinds       date,
    kennisdeling    boolean,
    kennisdeling_sinds date,
    PRIMARY KEY (import_id, rij)
);
