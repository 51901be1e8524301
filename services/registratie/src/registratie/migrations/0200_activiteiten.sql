-- Activities of every kind the plan counts, registrations with a waitlist, attendance and
-- feedback. The activity rows are the state behind the lifecycle events (`versie` is the
-- snapshot's version); partners' activities land here too, under the partner's own id.

CREATE TABLE activiteiten (
    id                 uuid PRIMARY KEY,
    versie             integer NOT NULL CHECK (versie >= 1),
    soort              text NOT NULL CHECK (soort IN (
                           'netwerk_algemeen', 'netwerk_specifiek', 'infosessie', 'inspiratiedag',
                           'thematische_opleiding', 'meerdaagse_opleiding', 'vvsg_opleiding_geintegreerd',
                           'sessie_op_vraag', 'adviesgesprek', 'ondersteuning_op_maat',
                           'gebruikersbevraging', 'artikel_lokaal', 'goede_praktijk', 'stuurgroep',
                           'maandelijks_overleg')),
    titel              text NOT NULL CHECK (length(titel) BETWEEN 1 AND 300),
    omschrijving       text CHECK (length(omschrijving) <= 5000),
    organisator_id     uuid NOT NULL REFERENCES organisaties (id),
    trekker            text NOT NULL CHECK (trekker IN ('vvsg', 'mediawijs', 'partner')),
    vorm               text NOT NULL CHECK (vorm IN ('fysiek', 'online')),
    start              timestamptz NOT NULL,
    einde              timestamptz NOT NULL,
    duur_uren          numeric(6, 2) NOT NULL CHECK (duur_uren >= 0),
    capaciteit         integer CHECK (capaciteit >= 0),
    status             text NOT NULL CHECK (status IN ('gepland', 'afgelopen', 'geannuleerd', 'verplaatst')),
    locatie            text CHECK (length(locatie) <= 300),
    vvsg_werkte_mee    boolean NOT NULL DEFAULT false,
    lokaal_bestuur_id  uuid REFERENCES organisaties (id),
    ondersteuning      text CHECK (length(ondersteuning) <= 2000),
    methode            text CHECK (length(methode) <= 500),
    url                text CHECK (length(url) <= 500),
    -- 'beheer': made by VVSG staff here; 'partner': taken over from a partner's own event.
    bron               text NOT NULL CHECK (bron IN ('beheer', 'partner')),
    aangemaakt_op      timestamptz NOT NULL DEFAULT now(),
    gewijzigd_op       timestamptz NOT NULL DEFAULT now(),
    CHECK (einde >= start)
);
CREATE INDEX activiteiten_start ON activiteiten (start);
CREATE INDEX activiteiten_soort_start ON activiteiten (soort, start);

-- One row per person and activity, whatever happens to it (registered, waitlisted, cancelled,
-- registered again): the unique key is what makes "never twice on a list" hold under any race.
CREATE TABLE inschrijvingen (
    id                uuid PRIMARY KEY,
    activiteit_id     uuid NOT NULL REFERENCES activiteiten (id),
    -- Erasing a member removes their registrations; the figures live in the KPI service.
    lid_id            uuid NOT NULL REFERENCES leden (id) ON DELETE CASCADE,
    status            text NOT NULL CHECK (status IN ('ingeschreven', 'wachtlijst', 'geannuleerd')),
    versie            integer NOT NULL CHECK (versie >= 1),
    -- Position on the waitlist: taken from a sequence while the activity row is locked, so the
    -- order is the order in which the registrations were decided.
    wachtlijst_volgnummer bigint,
    ingeschreven_door uuid,
    aangemaakt_op     timestamptz NOT NULL DEFAULT now(),
    gewijzigd_op      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (activiteit_id, lid_id),
    CHECK ((status = 'wachtlijst') = (wachtlijst_volgnummer IS NOT NULL))
);
CREATE SEQUENCE wachtlijst_volgorde;
CREATE INDEX inschrijvingen_lid ON inschrijvingen (lid_id);
CREATE INDEX inschrijvingen_wachtlijst ON inschrijvingen (activiteit_id, wachtlijst_volgnummer)
    WHERE status = 'wachtlijst';

-- Attendance as recorded by staff. The organisation is copied at recording time so the hours
-- keep their organisation when the member is later erased (lid_id becomes NULL then).
CREATE TABLE aanwezigheden (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activiteit_id     uuid NOT NULL REFERENCES activiteiten (id),
    lid_id            uuid REFERENCES leden (id) ON DELETE SET NULL,
    organisatie_id    uuid NOT NULL,
    organisatie_type  text NOT NULL,
    aanwezig          boolean NOT NULL,
    uren              numeric(6, 2) NOT NULL CHECK (uren >= 0),
    versie            integer NOT NULL CHECK (versie >= 1),
    geregistreerd_op  timestamptz NOT NULL DEFAULT now(),
    geregistreerd_door text,
    UNIQUE (activiteit_id, lid_id),
    CHECK (aanwezig OR uren = 0)
);

-- Feedback after an activity. lid_id only keeps one answer per person; staff never see it,
-- and erasure unlinks the answer and removes its free text (see the trigger below).
CREATE TABLE feedback (
    id             uuid PRIMARY KEY,
    activiteit_id  uuid NOT NULL REFERENCES activiteiten (id),
    lid_id         uuid REFERENCES leden (id) ON DELETE SET NULL,
    score          smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    tekst          text CHECK (length(tekst) <= 2000),
    ontvangen_op   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (activiteit_id, lid_id)
);

-- Free text may name the writer; once the member is erased only the score may stay.
CREATE FUNCTION feedback_wis_tekst() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.lid_id IS NULL AND OLD.lid_id IS NOT NULL THEN
        NEW.tekst := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER feedback_wis_tekst BEFORE UPDATE OF lid_id ON feedback
    FOR EACH ROW EXECUTE FUNCTION feedback_wis_tekst();
