"""Partners publish activities over HTTP (CloudEvents 1.0) with a token of their organisation."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from typing import Any

from dinet_contracts.topology import PARTNERS
from sqlalchemy import text

from registratie.kernel.organisaties import organisatie_id_voor_nis, organisatie_id_voor_sleutel
from registratie.main import DEFINITION
from registratie.toegang import store as opslag
from registratie.toegang.web.handleiding import voorbeeld

PAD = "/registratie/api/v1/partner/gebeurtenissen"
MEDIAWIJS = organisatie_id_voor_sleutel("mediawijs")
LINK = organisatie_id_voor_sleutel("link-in-de-kabel")
STRUCTURED = {"Content-Type": "application/cloudevents+json"}
BATCH = {"Content-Type": "application/cloudevents-batch+json"}


def event(organisatie_id: uuid.UUID = MEDIAWIJS, **activiteit: Any) -> dict[str, Any]:
    e = copy.deepcopy(voorbeeld(organisatie_id))
    e["id"] = str(uuid.uuid4())
    a_id = str(uuid.uuid4())
    e["subject"] = a_id
    e["data"]["activiteit_id"] = a_id
    e["data"]["activiteit"].update(activiteit_id=a_id, **activiteit)
    return e


def subject(organisatie_id: uuid.UUID = MEDIAWIJS) -> str:
    return f"dinet.partner.{organisatie_id}.activiteit.gepland.v1"


async def aantal(runtime: Any, onderwerp: str = "dinet.partner.>") -> int:
    info = await runtime.js.stream_info(PARTNERS.name, subjects_filter=onderwerp)
    return sum((info.state.subjects or {}).values()) if onderwerp.endswith(">") else (info.state.subjects or {}).get(onderwerp, 0)


async def token_voor(runtime: Any, organisatie_id: uuid.UUID = MEDIAWIJS) -> tuple[uuid.UUID, str]:
    sleutel_id, nieuw = await opslag.maak_sleutel(runtime.db, organisatie_id, "proef", "test")
    return sleutel_id, nieuw.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def meld_aan(client: Any, gebruiker: str) -> None:
    pagina = await client.get("/registratie/inloggen")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', pagina.text).group(1)
    r = await client.post(
        "/registratie/inloggen", data={"_csrf_token": csrf, "gebruikersnaam": gebruiker, "wachtwoord": "demo"}
    )
    assert r.status_code == 303, r.text


def csrf(pagina: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', pagina).group(1)


async def test_staff_issue_list_and_revoke_a_token(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION, demo=True) as runtime:
        anoniem = http(runtime)
        assert (await anoniem.get("/registratie/beheer/partners")).status_code == 303

        partner = http(runtime)
        await meld_aan(partner, "mediawijs")
        assert (await partner.get("/registratie/beheer/partners")).status_code == 403

        staf = http(runtime)
        await meld_aan(staf, "medewerker")
        lijst = await staf.get("/registratie/beheer/partners")
        assert lijst.status_code == 200 and "Er zijn nog geen tokens uitgegeven." in lijst.text

        fout = await staf.post(
            "/registratie/beheer/partners/sleutels", data={"_csrf_token": csrf(lijst.text), "organisatie_id": str(MEDIAWIJS)}
        )
        assert fout.status_code == 400 and 'href="#omschrijving"' in fout.text

        nieuw = await staf.post(
            "/registratie/beheer/partners/sleutels",
            data={"_csrf_token": csrf(lijst.text), "organisatie_id": str(MEDIAWIJS), "omschrijving": "agenda-koppeling"},
        )
        assert nieuw.status_code == 200 and nieuw.headers["cache-control"] == "no-store"
        token = re.search(r'id="token" type="text" value="([^"]+)"', nieuw.text).group(1)
        prefix = token.rsplit("_", 1)[0]

        async with runtime.db.engine.connect() as conn:
            rij = (await conn.execute(text("SELECT prefix, hash FROM partner_sleutels"))).one()
            alles = json.dumps([str(v) for v in (await conn.execute(text("SELECT * FROM partner_sleutels"))).one()])
        assert rij.prefix == prefix and rij.hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in alles  # only the hash is stored

        lijst = await staf.get("/registratie/beheer/partners")
        assert prefix in lijst.text and token not in lijst.text and "nog niet" in lijst.text

        r = await anoniem.post(PAD, content=json.dumps(event()), headers={**STRUCTURED, **bearer(token)})
        assert r.status_code == 202, r.text
        lijst = await staf.get("/registratie/beheer/partners")
        assert "nog niet" not in lijst.text  # last used is now known

        sleutel_id = re.search(r"/registratie/beheer/partners/sleutels/([0-9a-f-]{36})/intrekken", lijst.text).group(1)
        weg = await staf.post(
            f"/registratie/beheer/partners/sleutels/{sleutel_id}/intrekken", data={"_csrf_token": csrf(lijst.text)}
        )
        assert weg.status_code == 303
        assert "ingetrokken" in (await staf.get(weg.headers["location"])).text

        r = await anoniem.post(PAD, content=json.dumps(event()), headers={**STRUCTURED, **bearer(token)})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
        assert await aantal(runtime) == 1


async def test_structured_binary_and_batch_modes_publish_on_the_partner_prefix(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        _, token = await token_voor(runtime)
        client = http(runtime)

        een = event()
        r = await client.post(PAD, content=json.dumps(een), headers={**STRUCTURED, **bearer(token)})
        assert r.status_code == 202 and r.json() == {"aanvaard": [een["id"]], "al_ontvangen": []}

        binair = event(titel="Vorming: ‘digitaal’ én veilig")
        headers = {
            **bearer(token),
            "Content-Type": "application/json; charset=utf-8",
            "ce-specversion": "1.0",
            "ce-id": binair["id"],
            "ce-source": "/partners/mediawijs%20agenda",  # percent-encoded, as the binding says
            "ce-type": binair["type"],
            "ce-time": binair["time"],
            "ce-subject": binair["subject"],
        }
        r = await client.post(PAD, content=json.dumps(binair["data"]).encode(), headers=headers)
        assert r.status_code == 202, r.text

        reeks = [event() for _ in range(5)]
        r = await client.post(PAD, content=json.dumps(reeks), headers={**BATCH, **bearer(token)})
        assert r.status_code == 202 and r.json()["aanvaard"] == [e["id"] for e in reeks]

        assert await aantal(runtime, subject()) == 7
        # The stored message is the validated CloudEvent, keyed by its id for deduplication.
        sub = await runtime.js.subscribe(subject(), ordered_consumer=True)
        berichten = [await sub.next_msg(timeout=2) for _ in range(7)]
        await sub.unsubscribe()
        opgeslagen = {m.headers["Nats-Msg-Id"]: json.loads(m.data) for m in berichten}
        assert set(opgeslagen) == {een["id"], binair["id"], *(e["id"] for e in reeks)}
        assert opgeslagen[binair["id"]]["source"] == "/partners/mediawijs agenda"
        assert opgeslagen[binair["id"]]["data"]["activiteit"]["titel"] == "Vorming: ‘digitaal’ én veilig"
        assert opgeslagen[een["id"]]["data"] == json.loads(json.dumps(een["data"]))


async def test_a_partner_can_never_publish_for_another_organisation(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        _, token = await token_voor(runtime)
        client = http(runtime)
        r = await client.post(PAD, content=json.dumps(event(LINK)), headers={**STRUCTURED, **bearer(token)})
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"] == [
            {
                "veld": "data.activiteit.organisator_id",
                "code": "andere_organisatie",
                "melding": f"Je mag alleen activiteiten van je eigen organisatie publiceren ({MEDIAWIJS}).",
            }
        ]
        # One foreign event in a batch: nothing of the batch is published.
        reeks = [event(), event(organisatie_id_voor_nis("44021")), event()]
        r = await client.post(PAD, content=json.dumps(reeks), headers={**BATCH, **bearer(token)})
        assert r.status_code == 403 and [(e["index"], e["veld"]) for e in r.json()["errors"]] == [
            (1, "data.activiteit.organisator_id")
        ]
        assert await aantal(runtime) == 0

        # Link in de Kabel's own token publishes for Link in de Kabel, on its own prefix.
        _, ander = await token_voor(runtime, LINK)
        r = await client.post(PAD, content=json.dumps(event(LINK)), headers={**STRUCTURED, **bearer(ander)})
        assert r.status_code == 202
        assert await aantal(runtime, subject(LINK)) == 1 and await aantal(runtime, subject(MEDIAWIJS)) == 0


async def test_invalid_events_get_422_naming_the_field(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        _, token = await token_voor(runtime)
        client = http(runtime)

        zonder_titel = event()
        del zonder_titel["data"]["activiteit"]["titel"]
        r = await client.post(PAD, content=json.dumps(zonder_titel), headers={**STRUCTURED, **bearer(token)})
        assert r.status_code == 422
        assert r.json()["type"] == "urn:dinet:probleem:validatie"
        assert [(e["veld"], e["code"]) for e in r.json()["errors"]] == [("data.activiteit.titel", "verplicht")]

        lid = event()
        lid["type"] = "be.dinet.lid.geregistreerd.v1"
        r = await client.post(PAD, content=json.dumps(lid), headers={**STRUCTURED, **bearer(token)})
        assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "type"
        assert r.json()["errors"][0]["code"] == "type_niet_toegelaten"

        geen_uuid = event()
        geen_uuid["id"] = "evt-1"
        r = await client.post(PAD, content=json.dumps(geen_uuid), headers={**STRUCTURED, **bearer(token)})
        assert r.status_code == 422 and r.json()["errors"][0]["veld"] == "id"

        binair = event()
        headers = {
            **bearer(token),
            "Content-Type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": binair["id"],
            "ce-source": "/p",
            "ce-type": binair["type"],
            "ce-time": "gisteren",
        }
        r = await client.post(PAD, content=json.dumps(binair["data"]), headers=headers)
        assert r.status_code == 422 and [e["veld"] for e in r.json()["errors"]] == ["ce-time"]

        reeks = [event(), event(), event(soort="picknick"), event(duur_uren="-1")]
        r = await client.post(PAD, content=json.dumps(reeks), headers={**BATCH, **bearer(token)})
        assert r.status_code == 422
        assert [(e["index"], e["veld"]) for e in r.json()["errors"]] == [
            (2, "data.activiteit.soort"),
            (3, "data.activiteit.duur_uren"),
        ]
        assert "Er werd niets aanvaard." in r.json()["detail"]

        r = await client.post(PAD, content=b"{niet json", headers={**STRUCTURED, **bearer(token)})
        assert r.status_code == 400
        r = await client.post(PAD, content=json.dumps(event()), headers={"Content-Type": "text/plain", **bearer(token)})
        assert r.status_code == 415
        assert await aantal(runtime) == 0


async def test_the_same_id_twice_is_one_message(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        _, token = await token_voor(runtime)
        client = http(runtime)
        e = event()
        eerste = await client.post(PAD, content=json.dumps(e), headers={**STRUCTURED, **bearer(token)})
        tweede = await client.post(PAD, content=json.dumps(e), headers={**STRUCTURED, **bearer(token)})
        assert eerste.json() == {"aanvaard": [e["id"]], "al_ontvangen": []}
        assert tweede.status_code == 202 and tweede.json() == {"aanvaard": [e["id"]], "al_ontvangen": [e["id"]]}
        # Within one batch the same id twice is a mistake, not a retry.
        r = await client.post(PAD, content=json.dumps([event(), e, e]), headers={**BATCH, **bearer(token)})
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "dubbele_id"
        assert await aantal(runtime) == 1


async def test_no_token_or_a_forged_token_is_401(start_service: Any, http: Any) -> None:
    async with start_service(DEFINITION) as runtime:
        _, token = await token_voor(runtime)
        client = http(runtime)
        for headers in (
            {},
            {"Authorization": "Basic bWVkaWF3aWpzOmRlbW8="},
            bearer("dnp_aaaaaaaa_" + "b" * 40),
            bearer(token[:-1] + ("x" if token[-1] != "x" else "y")),
        ):
            r = await client.post(PAD, content=json.dumps(event()), headers={**STRUCTURED, **headers})
            assert r.status_code == 401, headers
            assert r.headers["www-authenticate"].startswith('Bearer realm="dinet-partners"')
        assert await aantal(runtime) == 0


async def _fouten(client: Any, token: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, list[tuple[Any, ...]]]:
    soort = BATCH if isinstance(body, list) else STRUCTURED
    r = await client.post(PAD, content=json.dumps(body), headers={**soort, **bearer(token), **(headers or {})})
    if r.status_code == 202:
        return 202, []
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    return r.status_code, [tuple(e[k] for k in ("index", "veld", "code") if k in e) for e in r.json()["errors"]]


async def test_the_door_refuses_with_422_what_the_consumer_would_refuse(start_service: Any, http: Any) -> None:
    """Each refusal names the field; nothing of it reaches the stream."""
    async with start_service(DEFINITION) as runtime:
        _, token = await token_voor(runtime)
        client = http(runtime)

        def met(pad: str, waarde: Any = None, *, weg: bool = False, **activiteit: Any) -> dict[str, Any]:
            e = event(**activiteit)
            *boven, laatste = pad.split(".")
            node = e
            for deel in boven:
                node = node[deel]
            if weg:
                del node[laatste]
            else:
                node[laatste] = waarde
            return e

        gevallen = [
            # The example runs 2026-10-06 07:00 to 09:00 UTC.
            (met("data.activiteit.einde", "2026-10-06T06:59:00Z"), ("data.activiteit.einde", "einde_voor_start")),
            (met("data.activiteit.einde", "2026-10-06T08:30:00+02:00"), ("data.activiteit.einde", "einde_voor_start")),
            (met("data.activiteit.start", "2027-01-05T10:00:00"), ("data.activiteit.start", "tijdzone_ontbreekt")),
            (met("time", "2027-01-05T10:00:00"), ("time", "tijdzone_ontbreekt")),
            (met("specversion", weg=True), ("specversion", "verplicht")),
            (met("data.activiteit_id", str(uuid.uuid4())), ("data.activiteit_id", "komt_niet_overeen")),
            (met("data.activiteit.duur_uren", "1e2"), ("data.activiteit.duur_uren", "ongeldig_getal")),
            (
                met("data.activiteit.soort", "adviesgesprek"),
                ("data.activiteit.lokaal_bestuur_id", "verplicht"),
            ),
            (
                met("data.activiteit.lokaal_bestuur_id", str(LINK), soort="adviesgesprek"),
                ("data.activiteit.lokaal_bestuur_id", "onbekend_lokaal_bestuur"),
            ),
        ]
        for body, verwacht in gevallen:
            status, fouten = await _fouten(client, token, body)
            assert (status, fouten) == (422, [verwacht]), (body, fouten)

        # Every wrong field at once, the envelope's and the data's.
        e = met("time", "2027-01-05T10:00:00")
        e["data"]["activiteit"]["einde"] = "2026-10-06T06:00:00Z"
        assert await _fouten(client, token, e) == (
            422,
            [("time", "tijdzone_ontbreekt"), ("data.activiteit.einde", "einde_voor_start")],
        )

        # Binary mode names the header.
        e = event()
        headers = {
            **bearer(token),
            "Content-Type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": e["id"],
            "ce-source": "/p",
            "ce-type": e["type"],
            "ce-time": "2027-01-05T10:00:00",
        }
        r = await client.post(PAD, content=json.dumps(e["data"]), headers=headers)
        assert r.status_code == 422 and [(f["veld"], f["code"]) for f in r.json()["errors"]] == [("ce-time", "tijdzone_ontbreekt")]

        # Tailored support lists every missing field at once; in a batch, per index.
        op_maat = event(soort="ondersteuning_op_maat")
        status, fouten = await _fouten(client, token, [event(), op_maat])
        assert status == 422 and fouten == [
            (1, "data.activiteit.lokaal_bestuur_id", "verplicht"),
            (1, "data.activiteit.ondersteuning", "verplicht"),
            (1, "data.activiteit.methode", "verplicht"),
        ]
        assert await aantal(runtime) == 0

        # The same activity made right is accepted: a local government that exists.
        goed = event(soort="adviesgesprek", lokaal_bestuur_id=str(organisatie_id_voor_nis("44021")))
        assert (await _fouten(client, token, goed))[0] == 202
        assert await aantal(runtime) == 1


async def test_taking_over_another_organisations_activity_is_409(start_service: Any, http: Any) -> None:
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from dinet_chassis.testing import wait_until
    from dinet_contracts.types import ActiviteitSoort, Trekker, Vorm

    from registratie.activiteiten.domain import ActiviteitGegevens
    from registratie.activiteiten.store import ActiviteitenUoW
    from registratie.activiteiten.use_cases import levenscyclus

    async with start_service(DEFINITION) as runtime:
        _, token = await token_voor(runtime)
        _, link_token = await token_voor(runtime, LINK)
        client = http(runtime)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
        van_vvsg = await levenscyclus.plan(
            levenscyclus.Plan(ActiviteitGegevens(
                soort=ActiviteitSoort.INFOSESSIE, titel="Van VVSG", organisator_id=organisatie_id_voor_sleutel("vvsg"),
                trekker=Trekker.VVSG, vorm=Vorm.FYSIEK, start=start, einde=start + timedelta(hours=2),
                duur_uren=Decimal("2.00"),
            )),
            ActiviteitenUoW(runtime.db, source=runtime.source),
        )
        van_link = event(LINK)
        assert (await _fouten(client, link_token, van_link))[0] == 202

        async def opgenomen() -> bool:
            async with runtime.db.engine.connect() as conn:
                return (await conn.execute(text("SELECT count(*) FROM activiteiten WHERE bron = 'partner'"))).scalar_one() == 1

        await wait_until(opgenomen, timeout=10)

        def kaping(activiteit_id: str) -> dict[str, Any]:
            e = event(versie=9)
            e["subject"] = e["data"]["activiteit_id"] = e["data"]["activiteit"]["activiteit_id"] = activiteit_id
            return e

        for vreemd in (str(van_vvsg), van_link["data"]["activiteit_id"]):
            r = await client.post(PAD, content=json.dumps(kaping(vreemd)), headers={**STRUCTURED, **bearer(token)})
            assert r.status_code == 409, r.text
            assert r.json()["type"] == "urn:dinet:probleem:activiteit-van-ander"
            assert [(f["veld"], f["code"]) for f in r.json()["errors"]] == [("data.activiteit.activiteit_id", "activiteit_van_ander")]

        # In a batch: every problem with its index, the conflict decides the status, nothing accepted.
        te_vroeg = event()
        te_vroeg["data"]["activiteit"]["einde"] = "2026-10-06T06:00:00Z"
        status, fouten = await _fouten(client, token, [event(), kaping(str(van_vvsg)), te_vroeg])
        assert status == 409 and fouten == [
            (1, "data.activiteit.activiteit_id", "activiteit_van_ander"),
            (2, "data.activiteit.einde", "einde_voor_start"),
        ]
        assert await aantal(runtime, subject(MEDIAWIJS)) == 0

        # Link's own update of its own activity is fine.
        eigen = copy.deepcopy(van_link)
        eigen["id"] = str(uuid.uuid4())
        eigen["type"] = "be.dinet.activiteit.gewijzigd.v1"
        eigen["dataschema"] = "urn:dinet:schema:be.dinet.activiteit.gewijzigd.v1"
        eigen["data"]["activiteit"]["versie"] = 2
        assert (await _fouten(client, link_token, eigen))[0] == 202
