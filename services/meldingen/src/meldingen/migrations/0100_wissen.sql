-- Members who asked to be erased: only their random id. The bus gives no order between the
-- personal-data stream and the facts stream, so a contact message may arrive after the erasure;
-- these triggers make sure it can never bring the person's address (or a mail to them) back.
CREATE TABLE gewiste_leden (
    lid_id     uuid        PRIMARY KEY,
    gewist_op  timestamptz NOT NULL
);

CREATE FUNCTION niet_voor_gewiste_leden() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gewiste_leden WHERE lid_id = NEW.lid_id) THEN
        RETURN NULL;  -- skip the row: the person asked to be forgotten
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER contact_niet_voor_gewiste_leden BEFORE INSERT OR UPDATE ON contact
    FOR EACH ROW EXECUTE FUNCTION niet_voor_gewiste_leden();
CREATE TRIGGER melding_niet_voor_gewiste_leden BEFORE INSERT ON melding
    FOR EACH ROW EXECUTE FUNCTION niet_voor_gewiste_leden();
CREATE TRIGGER token_niet_voor_gewiste_leden BEFORE INSERT ON nieuwsbrief_token
    FOR EACH ROW EXECUTE FUNCTION niet_voor_gewiste_leden();
