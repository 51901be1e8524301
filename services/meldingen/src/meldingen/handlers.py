"""meldingen's consumers and, per event type, the op that handles it: the one place to look.

Any other type on a consumer's subjects (a later version, say) is not ours to act on: the chassis
acks and skips it.
"""

from __future__ import annotations

from dinet_contracts.events.registratie import LidContactgegevens, LidGewist, LidUitgeschreven

from .contactgegevens import op_lid_contactgegevens
from .wissen import op_lid_gewist, op_lid_uitgeschreven

HANDLERS = {
    "meldingen-contact": {LidContactgegevens: op_lid_contactgegevens},
    "meldingen-gebeurtenissen": {LidGewist: op_lid_gewist, LidUitgeschreven: op_lid_uitgeschreven},
}
