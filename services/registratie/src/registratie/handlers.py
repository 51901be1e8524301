"""registratie's consumers and, per event type, the op that handles it: the one place to look."""

from __future__ import annotations

from dinet_contracts.envelope import Event
from dinet_contracts.events.beleidsplan import OndersteuningsnoodGesignaleerd
from dinet_contracts.registry import PARTNER_EVENTS

from .activiteiten.handlers import op_geen_activiteit, op_ondersteuningsnood_gesignaleerd, op_partner_activiteit
from .leden.handlers import TOESTEMMINGEN

HANDLERS = {
    "registratie-partners": {
        # Every activity type a partner may publish (older versions arrive upcast to these) ...
        **{cls: op_partner_activiteit for cls in PARTNER_EVENTS},
        # ... and any other type on a partner's subjects is refused for good.
        Event: op_geen_activiteit,
    },
    # beleidsplan's requests for tailored support (the consumer's filter lets only these through;
    # any other type would be acked and skipped).
    "registratie-ondersteuning": {OndersteuningsnoodGesignaleerd: op_ondersteuningsnood_gesignaleerd},
    # Consent given or withdrawn in meldingen (unsubscribe link, preferences page).
    "registratie-toestemmingen": TOESTEMMINGEN,
}
