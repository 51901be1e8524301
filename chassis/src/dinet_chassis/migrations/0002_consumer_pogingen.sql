-- Attempts per message of a consumer, counted by the consumer itself rather than taken from
-- NATS's delivery count: a delivery that met an outage of the database could not write here, so
-- it never counts. A row exists only while a message is being retried; it goes with the effect.
CREATE TABLE consumer_pogingen (
    consumer      text        NOT NULL,
    stream        text        NOT NULL,
    stream_seq    bigint      NOT NULL,
    pogingen      integer     NOT NULL,
    laatste_fout  text        NOT NULL DEFAULT '',
    bijgewerkt_op timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, stream, stream_seq)
);
