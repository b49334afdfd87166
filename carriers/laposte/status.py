"""La Poste Suivi v2 `shipment.event[].code` values by canonical status.

Where they are documented:
    [SUIVI]  La Poste, API Suivi v2, "Liste des codes événements" (each code with its name):
             https://developer.laposte.fr/products/suivi/2/documentation
    [EX]     The API's answer example as kept by karrio (karrioapi/karrio
             `modules/connectors/laposte/schemas/tracking_response.json`), which pairs codes with the labels
             La Poste answers (ET2 "prêt à partir de son territoire d'expédition", ET3 "arrivé dans le pays du
             destinataire").

Left out on purpose, so `unknown` with the event's label kept for the text fallback: the customs codes DO1
"Entrée en Douane", DO2 "Sortie de Douane" and DO3 "Retenu en Douane" (an event names no country, so whether
the customs is the origin's or the destination's is not said), and PB1 "Problème en cours" (a problem of no
stated kind: neither a failed delivery nor a loss).
"""

from carriers.base import StatusTable
from schemas.status import Status

LAPOSTE_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "DR1",  # [SUIVI] Déclaratif réceptionné (the sender's electronic notice)
        },
        Status.IN_TRANSIT: {
            "PC1",  # [SUIVI] Pris en charge
            "PC2",  # [SUIVI] Pris en charge dans le pays d'expédition
            "ET1",  # [SUIVI] En cours de traitement
            "ET2",  # [SUIVI] En cours de traitement dans le pays d'expédition
            "ET4",  # [SUIVI] En cours de traitement dans un pays de transit
            "EP1",  # [SUIVI] En attente de présentation
            "PB2",  # [SUIVI] Problème résolu
        },
        Status.IMPORT: {
            "ET3",  # [SUIVI] En cours de traitement dans le pays de destination; [EX] arrivé dans le pays
        },
        Status.OUT_FOR_DELIVERY: {
            "MD2",  # [SUIVI] Mis en distribution
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "AG1",  # [SUIVI] En attente d'être retiré au guichet
        },
        Status.DELIVERY_FAILED: {
            "ND1",  # [SUIVI] Non distribuable
        },
        Status.DELIVERED: {
            "DI1",  # [SUIVI] Distribué
        },
        Status.RETURNING_TO_SENDER: {
            "RE1",  # [SUIVI] Retourné à l'expéditeur (sent back; DI2 is its delivery)
        },
        Status.RETURNED_TO_SENDER: {
            "DI2",  # [SUIVI] Distribué à l'expéditeur
        },
    }
)
