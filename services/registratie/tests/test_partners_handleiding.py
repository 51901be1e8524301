"""The partner guide: public, complete, and its copy-paste examples really work."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from dinet_contracts.events.activiteiten import ActiviteitV2

from registratie.kernel.organisaties import organisatie_id_voor_sleutel
from registratie.main import DEFINITION
from registratie.toegang import store as opslag
from registratie.toegang.web.handleiding import VELDEN

MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")


def test_every_activity_field_is_explained() -> None:
    assert set(VELDEN) == set(ActiviteitV2.model_fields)  # version 2 holds every field of version 1


def _codeblokken(pagina: str) -> list[str]:
    return [html.unescape(b) for b in re.findall(r"<pre[^>]*><code>(.*?)</code></pre>", pagina, re.S)]


async def test_the_guide_is_public_and_its_curl_example_is_accepted(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        client = http(runtime)
        r = await client.get("/registratie/partners/handleiding")
        assert r.status_code == 200 and 'lang="nl"' in r.text
        blokken = _codeblokken(r.text)
        curl, binair, nats_pub, fout = blokken
        assert curl.startswith("export DINET_TOKEN=") and "curl -i -X POST 'http://testserver/registratie/api/v1/partner/gebeurtenissen'" in curl
        assert "Content-Type: application/cloudevents+json" in curl and "nats pub" in nats_pub
        assert f"'dinet.partner.{MEDIAWIJS}.activiteit.gepland.v1'" in nats_pub and "Nats-Msg-Id:" in nats_pub
        assert json.loads(fout)["errors"][0]["veld"] == "data.activiteit.soort"
        for veld in ActiviteitV2.model_fields:
            assert f"<code>{veld}</code>" in r.text

        # The heredoc of the curl example, sent as the guide says, with a Mediawijs token.
        voorbeeld = curl.split("<<'JSON'\n", 1)[1].rsplit("\nJSON", 1)[0]
        _, sleutel = await opslag.maak_sleutel(runtime.db, MEDIAWIJS, "handleiding", "test")
        r = await client.post(
            "/registratie/api/v1/partner/gebeurtenissen",
            content=voorbeeld.encode(),
            headers={"Authorization": f"Bearer {sleutel.token}", "Content-Type": "application/cloudevents+json"},
        )
        assert r.status_code == 202, r.text

        # And the binary-mode example: headers from the -H lines, body from its heredoc.
        headers = dict(re.findall(r"-H '([^:']+): ([^']*)'", binair))
        body = binair.split("<<'JSON'\n", 1)[1].rsplit("\nJSON", 1)[0]
        headers["Authorization"] = f"Bearer {sleutel.token}"
        r = await client.post("/registratie/api/v1/partner/gebeurtenissen", content=body.encode(), headers=headers)
        assert r.status_code == 202 and r.json()["al_ontvangen"] == [json.loads(voorbeeld)["id"]]
