-- Requests for tailored support that local governments send from their policy plan
-- (beleidsplan's `ondersteuningsnood.gesignaleerd`). Staff turn one into a tailored-support
-- activity; the request then points at it, so it leaves the list of open requests.
CREATE TABLE ondersteuningsvragen (
    vraag_id         uuid PRIMARY KEY,
    organisatie_id   uuid NOT NULL,
    beleidsplan_id   uuid NOT NULL,
    element_id       text NOT NULL,
    element_tekst    text NOT NULL,
    vraag            text NOT NULL,
    gesignaleerd_op  timestamptz NOT NULL,
    activiteit_id    uuid REFERENCES activiteiten (id),
    omgezet_op       timestamptz,
    omgezet_door     text,
    CHECK ((activiteit_id IS NULL) = (omgezet_op IS NULL))
);
CREATE INDEX ondersteuningsvragen_open ON ondersteuningsvragen (gesignaleerd_op DESC) WHERE activiteit_id IS NULL;
