-- "Mijn organisatie staat niet in de lijst": a newcomer asks VVSG to add their organisation, with
-- their own sign-up waiting beside it. Staff approve (the organisation is created, the person
-- becomes a member) or refuse with a reason.
--
-- The person's data (naam, email, functie, toestemmingen) lives here only while the request is
-- open: approving moves it into `leden`, refusing or letting it expire (`bewaren_tot`) erases it.
-- What stays of a handled request names no one: the organisation asked for, the outcome and the
-- reason, so a second approval of the same request can be refused as such.
CREATE TABLE organisatieaanvragen (
    id                 uuid PRIMARY KEY,
    organisatie_naam   text NOT NULL CHECK (length(organisatie_naam) BETWEEN 1 AND 200),
    organisatie_soort  text NOT NULL CHECK (organisatie_soort IN ('lokaal_bestuur', 'andere')),
    gemeente           text NOT NULL CHECK (length(gemeente) BETWEEN 1 AND 100),
    naam               text CHECK (length(naam) BETWEEN 1 AND 200),
    email              text CHECK (email = lower(email) AND length(email) <= 254),
    functie            text CHECK (length(functie) <= 200),
    -- Per purpose whether consent was given and the exact wording shown: {"nieuwsbrief": {"gegeven": true, "tekst": "..."}}
    toestemmingen      jsonb,
    ingediend_op       timestamptz NOT NULL DEFAULT now(),
    bewaren_tot        timestamptz NOT NULL,
    status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'goedgekeurd', 'geweigerd', 'verlopen')),
    reden              text CHECK (length(reden) <= 1000),
    afgehandeld_op     timestamptz,
    organisatie_id     uuid REFERENCES organisaties (id),
    -- Only an open request holds a person.
    CHECK ((status = 'open') = (email IS NOT NULL AND naam IS NOT NULL AND toestemmingen IS NOT NULL)),
    CHECK (status <> 'geweigerd' OR reden IS NOT NULL)
);
-- One open request per address: a second one would be approved twice into the same membership.
CREATE UNIQUE INDEX organisatieaanvragen_open_email ON organisatieaanvragen (email) WHERE status = 'open';
CREATE INDEX organisatieaanvragen_status ON organisatieaanvragen (status, ingediend_op);
