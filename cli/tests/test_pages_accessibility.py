"""The gateway's own pages (start page, mailbox, a mail, the "service down" page) have no axe-core
violations (WCAG 2.1 AA) in a real headless Chromium."""

from __future__ import annotations

from dinet_chassis.browser import axe_violations, launch, needs_chromium

from email.message import EmailMessage

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from dinet_chassis.embedded import free_port
from dinet_cli.gateway import Gateway, serve

pytestmark = needs_chromium



async def test_gateway_pages_pass_axe(tmp_path):
    from playwright.async_api import async_playwright

    async def archief(request):
        return JSONResponse({})

    upstream_port, gateway_port = free_port(), free_port()
    upstream = Starlette(routes=[Route("/meldingen/archief", archief)])
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "netwerk@vvsg.be", "an@gent.be", "Welkom in het netwerk"
    mail["Date"] = "Mon, 03 Nov 2025 10:15:00 +0100"
    mail.set_content("Bevestig je adres: http://127.0.0.1:8000/meldingen/bevestig?t=abc")
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "20251103T101500-abc.eml").write_bytes(bytes(mail))
    gateway = Gateway(
        {"meldingen": f"http://127.0.0.1:{upstream_port}", "registratie": f"http://127.0.0.1:{free_port()}",
         "kpi": f"http://127.0.0.1:{free_port()}", "beleidsplan": f"http://127.0.0.1:{free_port()}"},
        mail_dir=tmp_path / "mail",
    )
    servers = [await serve(upstream, "127.0.0.1", upstream_port), await serve(gateway.app, "127.0.0.1", gateway_port)]
    try:
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                for breedte in (1280, 375):
                    page = await browser.new_page(viewport={"width": breedte, "height": 800})
                    for path in ("/", "/ontwikkelaars", "/mail/", "/mail/20251103T101500-abc.eml", "/kpi/"):
                        await page.goto(f"http://127.0.0.1:{gateway_port}{path}")
                        assert await axe_violations(page) == [], (breedte, path)
                        breder = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
                        assert not breder, (breedte, path)
                    await page.close()
            finally:
                await browser.close()
    finally:
        for server, task in servers:
            server.should_exit = True
            await task
