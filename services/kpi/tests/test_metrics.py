"""The bus's figures, as Prometheus reads them at /kpi/metrics and `dinet status` in readiness."""

from __future__ import annotations

import re
from datetime import date

from dinet_contracts.types import ActiviteitSoort


def waarde(tekst: str, naam: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(naam) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    gevonden = [float(m.group(1)) for line in tekst.splitlines() if (m := re.match(pattern, line))]
    assert len(gevonden) == 1, f"{naam} {labels} niet (eenmaal) gevonden in:\n{tekst}"
    return gevonden[0]


async def test_metrics_show_processed_events_batches_lag_and_relay_backlog(dienst, maak):
    runtime, client, bus = dienst
    sessie = maak.activiteit(ActiviteitSoort.INFOSESSIE, date(2025, 3, 10), duur="2")
    await bus.alles([maak.event(sessie), maak.aanwezig(sessie), maak.aanwezig(sessie)])
    await bus.verwerkt()

    response = await client.get("/kpi/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    tekst = response.text
    assert waarde(tekst, "dinet_consumer_events_processed_total", consumer="kpi-projectie") == 3
    assert waarde(tekst, "dinet_consumer_failures_total", consumer="kpi-projectie") == 0
    assert waarde(tekst, "dinet_consumer_lag", consumer="kpi-projectie") == 0
    assert waarde(tekst, "dinet_consumer_batch_duration_seconds_count", consumer="kpi-projectie") >= 1
    assert waarde(tekst, "dinet_consumer_batch_duration_seconds_sum", consumer="kpi-projectie") > 0
    assert waarde(tekst, "dinet_relay_backlog") == 0

    ready = (await client.get("/kpi/health/ready")).json()
    (consument,) = ready["consumenten"]
    assert consument["verwerkt"] == 3 and consument["mislukt"] == 0 and consument["achterstand"] == 0
    assert consument["verwerkingstijd_ms"] > 0
    assert ready["relay"]["achterstand"] == 0
