"""One trace follows a sign-up from HTTP through the outbox, NATS and each consumer."""

from __future__ import annotations

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from dinet_chassis.embedded import wait_for_mails
from dinet_chassis.testing import wait_until
from dinet_chassis.tracing import add_span_processor

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


async def test_one_trace_spans_http_outbox_nats_and_consumers(stack):
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    registratie = stack.client("registratie")
    organisaties = (await registratie.get("/registratie/api/v1/organisaties")).json()["organisaties"]
    response = await registratie.post(
        "/registratie/api/v1/leden",
        json={
            "naam": "Chris Janssens",
            "email": "chris@leuven.be",
            "organisatie_id": organisaties[0]["id"],
            "functie": "Bibliothecaris",
            "nieuwsbrief": True,
        },
        headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"},
    )
    assert response.status_code == 201, response.text
    await wait_for_mails(stack.mail_dir, 2, timeout=15)

    def spans_of_trace():
        return [s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]

    def complete():
        names = {s.name for s in spans_of_trace()}
        return (
            any(n.startswith("kpi-projectie process") for n in names)
            and any(n.startswith("meldingen-contact process") for n in names)
        )

    await wait_until(complete, timeout=15)
    spans = spans_of_trace()
    by_name = {s.name: s for s in spans}
    kinds = {s.kind for s in spans}
    assert SpanKind.SERVER in kinds  # the HTTP request
    assert "outbox be.dinet.lid.geregistreerd.v1" in by_name
    assert "publish dinet.evt.registratie.lid.geregistreerd.v1" in by_name
    assert "kpi-projectie process be.dinet.lid.geregistreerd.v1" in by_name
    assert "meldingen-contact process be.dinet.lid.contactgegevens.v2" in by_name

    # The chain is parent to child: HTTP -> outbox -> publish (NATS) -> consumer.
    ids = {s.context.span_id: s for s in spans}
    consumer = by_name["kpi-projectie process be.dinet.lid.geregistreerd.v1"]
    publish = ids[consumer.parent.span_id]
    assert publish.name == "publish dinet.evt.registratie.lid.geregistreerd.v1"
    outbox = ids[publish.parent.span_id]
    assert outbox.name == "outbox be.dinet.lid.geregistreerd.v1"
    chain = outbox
    while chain.parent is not None and chain.parent.span_id in ids:
        chain = ids[chain.parent.span_id]
    assert chain.kind == SpanKind.SERVER
