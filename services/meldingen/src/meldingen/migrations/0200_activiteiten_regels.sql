-- Mails that follow from activities and registrations, driven by a table of rules and templates
-- that staff can change without a release.

ALTER TABLE melding DROP CONSTRAINT melding_soort_check;
ALTER TABLE melding DROP CONSTRAINT melding_status_check;
ALTER TABLE melding ADD CONSTRAINT melding_status_check
    CHECK (status IN ('wachtend', 'verzonden', 'mislukt', 'overgeslagen'));
-- The activity a mail is about, and what the mail needs beyond it (e.g. a digest's week).
ALTER TABLE melding ADD COLUMN activiteit_id uuid;
ALTER TABLE melding ADD COLUMN gegevens jsonb NOT NULL DEFAULT '{}'::jsonb;
CREATE INDEX melding_activiteit ON melding (activiteit_id, soort) WHERE status = 'wachtend';

-- The newest snapshot of every activity registratie published (no personal data).
CREATE TABLE activiteit (
    activiteit_id uuid        PRIMARY KEY,
    versie        integer     NOT NULL,
    soort         text        NOT NULL,
    status        text        NOT NULL,
    start         timestamptz NOT NULL,
    snapshot      jsonb       NOT NULL,
    -- When meldingen first heard of it: the weekly digest lists what is new since last week.
    eerst_gezien  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activiteit_start ON activiteit (start);

-- Each registration's newest state, to know who is registered or waitlisted for an activity.
CREATE TABLE inschrijving (
    inschrijving_id uuid    PRIMARY KEY,
    activiteit_id   uuid    NOT NULL,
    lid_id          uuid    NOT NULL,
    status          text    NOT NULL,
    versie          integer NOT NULL
);
CREATE INDEX inschrijving_activiteit ON inschrijving (activiteit_id);
CREATE INDEX inschrijving_lid ON inschrijving (lid_id);

-- A member's choices for optional mail. 'uitnodigingen' (network mail about new activities):
-- per mail, a weekly digest, or none. No row means no consent yet: none.
CREATE TABLE voorkeur (
    lid_id         uuid        PRIMARY KEY,
    uitnodigingen  text        NOT NULL DEFAULT 'geen' CHECK (uitnodigingen IN ('per_mail', 'wekelijks', 'geen')),
    bijgewerkt_op  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER voorkeur_niet_voor_gewiste_leden BEFORE INSERT OR UPDATE ON voorkeur
    FOR EACH ROW EXECUTE FUNCTION niet_voor_gewiste_leden();

-- Which event sends which mail to whom, when and for which purpose. Seeded with every mail;
-- staff switch a rule off or change its timing on /meldingen/beheer/regels.
CREATE TABLE regel (
    soort         text        PRIMARY KEY,
    gebeurtenis   text        NOT NULL,
    ontvangers    text        NOT NULL,
    doel          text        NOT NULL CHECK (doel IN ('operationeel', 'uitnodigingen', 'nieuwsbrief')),
    actief        boolean     NOT NULL DEFAULT true,
    -- Hours before the activity's start (reminder) or after its end (feedback); NULL: at once.
    uren          integer     CHECK (uren IS NULL OR uren BETWEEN 0 AND 24 * 60),
    bijgewerkt_op timestamptz NOT NULL DEFAULT now()
);
INSERT INTO regel (soort, gebeurtenis, ontvangers, doel, uren) VALUES
    ('welkom', 'lid geregistreerd', 'het nieuwe lid', 'operationeel', NULL),
    ('nieuwsbrief_bevestiging', 'nieuwsbrief gevraagd', 'het lid dat de nieuwsbrief vroeg', 'operationeel', NULL),
    ('inschrijving_bevestigd', 'inschrijving: ingeschreven', 'het ingeschreven lid', 'operationeel', NULL),
    ('wachtlijst', 'inschrijving: op de wachtlijst', 'het lid op de wachtlijst', 'operationeel', NULL),
    ('plaats_gekregen', 'inschrijving: van wachtlijst naar ingeschreven', 'het lid dat een plaats kreeg', 'operationeel', NULL),
    ('inschrijving_geannuleerd', 'inschrijving: geannuleerd', 'het lid', 'operationeel', NULL),
    ('activiteit_gewijzigd', 'activiteit gewijzigd in tijd of plaats', 'ingeschrevenen en wachtlijst', 'operationeel', NULL),
    ('activiteit_geannuleerd', 'activiteit geannuleerd', 'ingeschrevenen en wachtlijst', 'operationeel', NULL),
    ('herinnering', 'activiteit komt eraan', 'ingeschrevenen', 'operationeel', 48),
    ('feedback_vraag', 'aanwezigheid geregistreerd', 'wie aanwezig was', 'operationeel', 0),
    ('uitnodiging', 'activiteit gepland', 'leden die uitnodigingen per mail willen', 'uitnodigingen', NULL),
    ('weekoverzicht', 'elke maandag', 'leden die een wekelijks overzicht willen', 'uitnodigingen', NULL);

-- Templates as staff changed them; a kind without a row uses the built-in template.
CREATE TABLE sjabloon (
    soort         text        PRIMARY KEY REFERENCES regel (soort),
    onderwerp     text        NOT NULL,
    tekst         text        NOT NULL,
    html          text        NOT NULL,
    gewijzigd_op  timestamptz NOT NULL DEFAULT now(),
    gewijzigd_door text       NOT NULL
);
