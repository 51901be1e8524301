-- Consent is also withdrawn or given through meldingen: the unsubscribe link in a mail and the
-- preferences page. The record stays here, with the wording and the moment meldingen reports.
ALTER TABLE toestemmingen DROP CONSTRAINT toestemmingen_hoe_check;
ALTER TABLE toestemmingen ADD CONSTRAINT toestemmingen_hoe_check
    CHECK (hoe IN ('aanmeldformulier', 'api', 'zelfservice', 'medewerker', 'import', 'afmeldlink', 'voorkeurenpagina'));
