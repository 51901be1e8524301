"""meldingen's consumers and, per event type, the op that handles it: the one place to look.

Every op runs in the consumer's transaction, with the inbox record, and only writes rows (mails
to send, snapshots): the delivery worker sends after the commit. Any other type on a consumer's
subjects (a later version, say) is not ours to act on: the chassis acks and skips it.
"""

from __future__ import annotations

from dinet_contracts.events.activiteiten import (
    AanwezigheidGeregistreerd,
    ActiviteitAfgelopenV2,
    ActiviteitGeannuleerdV2,
    ActiviteitGeplandV2,
    ActiviteitGewijzigdV2,
    InschrijvingGewijzigd,
)
from dinet_contracts.events.registratie import (
    LidContactgegevensV2,
    LidGeregistreerd,
    LidGewist,
    LidOrganisatieGewijzigd,
    LidUitgeschreven,
    OrganisatieBijgewerkt,
)

from .use_cases import activiteiten
from .use_cases import nieuwsbrief
from .use_cases.contactgegevens import op_lid_contactgegevens
from .use_cases.wissen import op_lid_gewist, op_lid_uitgeschreven

HANDLERS = {
    # Version-1 contact data arrives upcast to version 2 (consent to invitations then empty).
    "meldingen-contact": {LidContactgegevensV2: op_lid_contactgegevens},
    "meldingen-gebeurtenissen": {LidGewist: op_lid_gewist, LidUitgeschreven: op_lid_uitgeschreven},
    # Version-1 activity events arrive upcast to version 2, so the v2 keys cover both.
    "meldingen-activiteiten": {
        ActiviteitGeplandV2: activiteiten.op_activiteit_gepland,
        ActiviteitGewijzigdV2: activiteiten.op_activiteit_gewijzigd,
        ActiviteitGeannuleerdV2: activiteiten.op_activiteit_geannuleerd,
        ActiviteitAfgelopenV2: activiteiten.op_activiteit_afgelopen,
        InschrijvingGewijzigd: activiteiten.op_inschrijving_gewijzigd,
        AanwezigheidGeregistreerd: activiteiten.op_aanwezigheid_geregistreerd,
        # Organisation facts, for the newsletter's segments.
        LidGeregistreerd: nieuwsbrief.op_lid_geregistreerd,
        LidOrganisatieGewijzigd: nieuwsbrief.op_lid_organisatie_gewijzigd,
        OrganisatieBijgewerkt: nieuwsbrief.op_organisatie_bijgewerkt,
    },
}
