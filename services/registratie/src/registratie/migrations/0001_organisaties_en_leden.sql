-- Organisations, members and their consent. The organisations' rows come from the data files in
-- registratie/data (loaded by referentiedata.py), never from code.

CREATE TABLE organisaties (
    id                  uuid PRIMARY KEY,
    naam                text NOT NULL CHECK (length(naam) BETWEEN 1 AND 200),
    type                text NOT NULL CHECK (type IN (
                            'lokaal_bestuur', 'igs', 'middenveldorganisatie',
                            'kennisinstelling', 'bovenlokale_overheid', 'andere')),
    nis_code            text UNIQUE CHECK (nis_code ~ '^[0-9]{5}$'),
    provincie           text,
    inwoners            integer CHECK (inwoners >= 0),
    inwoners_peildatum  date,
    grootteklasse       text CHECK (grootteklasse IN ('klein', 'middelgroot', 'groot')),
    -- A local government is known by its NIS code; its figures only make sense together.
    CHECK ((type = 'lokaal_bestuur') = (nis_code IS NOT NULL))
);

CREATE TABLE leden (
    id              uuid PRIMARY KEY,
    naam            text NOT NULL CHECK (length(naam) BETWEEN 1 AND 200),
    -- Stored lowercased so "An@Gent.be" and "an@gent.be" are one membership.
    email           text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    organisatie_id  uuid NOT NULL REFERENCES organisaties (id),
    functie         text CHECK (length(functie) <= 200),
    nieuwsbrief     boolean NOT NULL DEFAULT false,
    lid_sinds       date NOT NULL,
    aangemaakt_op   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX leden_email_uniek ON leden (email);
CREATE INDEX leden_organisatie ON leden (organisatie_id);

-- Proof of what a person agreed to: the exact text shown, when and through which channel.
-- Rows are only added; a withdrawal is a new row with gegeven = false.
CREATE TABLE toestemmingen (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lid_id   uuid NOT NULL REFERENCES leden (id) ON DELETE CASCADE,
    doel     text NOT NULL CHECK (doel IN ('nieuwsbrief', 'netwerkmail')),
    gegeven  boolean NOT NULL,
    tekst    text NOT NULL,
    wanneer  timestamptz NOT NULL DEFAULT now(),
    hoe      text NOT NULL CHECK (hoe IN ('aanmeldformulier', 'api'))
);
CREATE INDEX toestemmingen_lid ON toestemmingen (lid_id, doel, wanneer DESC);

-- Which version of each reference data file is loaded, so a restart does not reload it.
CREATE TABLE referentiedata (
    bestand    text PRIMARY KEY,
    checksum   text NOT NULL,
    rijen      integer NOT NULL,
    geladen_op timestamptz NOT NULL DEFAULT now()
);
