-- The newsletter's per-minute limit holds for all instances of meldingen together: each claim of
-- newsletter mails is booked here (under one advisory lock), and what the last minute's bookings
-- leave of the limit is all any instance may claim.
CREATE TABLE nieuwsbrief_tempo (
    id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    op     timestamptz NOT NULL DEFAULT clock_timestamp(),
    aantal integer     NOT NULL CHECK (aantal >= 0)
);
CREATE INDEX nieuwsbrief_tempo_op ON nieuwsbrief_tempo (op);
