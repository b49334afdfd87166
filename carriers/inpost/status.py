"""InPost ShipX statuses (`tracking_details[].status`) by canonical status.

Where they are documented:
    [ST]   ShipX "Statuses": a status is a unique `name` with a `title` and a `description`, listed by
           `GET /v1/statuses`; its example is `ready_to_pickup`, "Placed in Parcel Locker (of destination)",
           "The parcel will wait for collection for the next 72 hours"
           (https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/18153478/Statuses).
    [DICT] the names of that dictionary with their pl_PL titles, as transcribed by a public integration
           (code index id 70645261019): each comment gives the title and its meaning.

Only names whose title says where the parcel is are mapped. Left out on purpose, so `unknown`:
`pickup_time_expired` ("Upłynął termin odbioru", not collected in time: it may be held or returned),
`stack_parcel_pickup_time_expired` and `stack_parcel_in_box_machine_pickup_time_expired` (the same for a
stored parcel), `delay_in_delivery`, `canceled_redirect_to_box`, `oversized`, `claimed` (a complaint),
`canceled` (label cancelled), `return_pickup_confirmation_to_sender` (return documents prepared),
`taken_by_courier_from_customer_service_point` (its name and its title, "Zwrócona do nadawcy", disagree),
`other` and `missing`.
"""

from carriers.base import StatusTable
from schemas.status import Status

_ADDRESS_ISSUES = {
    "undelivered_wrong_address",  # [DICT] Brak możliwości doręczenia (cannot be delivered): wrong address
    "undelivered_incomplete_address",  # [DICT] Brak możliwości doręczenia: incomplete address
    "undelivered_not_live_address",  # [DICT] Brak możliwości doręczenia: nobody lives at the address
}

INPOST_STATUS = StatusTable(
    {
        Status.INFO_RECEIVED: {
            "created",  # [DICT] Przesyłka utworzona (shipment created)
            "offers_prepared",  # [DICT] Przygotowano oferty (offers prepared)
            "offer_selected",  # [DICT] Oferta wybrana (offer selected)
            "confirmed",  # [DICT] Przesyłka utworzona (shipment created)
        },
        Status.IN_TRANSIT: {
            "dispatched_by_sender",  # [DICT] Nadana (posted by the sender)
            "dispatched_by_sender_to_pok",  # [DICT] Nadana w PaczkoPunkcie (posted at a PaczkoPunkt)
            "collected_from_sender",  # [DICT] Odebrana od klienta (collected from the customer)
            "taken_by_courier",  # [DICT] Odebrana przez Kuriera (collected by the courier)
            "taken_by_courier_from_pok",  # [DICT] W drodze do oddziału nadawczego InPost (to the sending branch)
            "adopted_at_source_branch",  # [DICT] Przyjęta w Centrum Logistycznym (received at the logistics centre)
            "sent_from_source_branch",  # [DICT] W trasie (on the road)
            "adopted_at_sorting_center",  # [DICT] Przyjęta w Sortowni (received at the sorting centre)
            "sent_from_sorting_center",  # [DICT] Wysłana z Sortowni (sent from the sorting centre)
            "adopted_at_target_branch",  # [DICT] Przyjęta w Oddziale Docelowym (received at the destination branch)
            "redirect_to_box",  # [DICT] Przekierowano do automatu Paczkomat (redirected to a parcel locker)
            "readdressed",  # [DICT] Przekierowano na inny adres (redirected to another address)
            "unstack_from_box_machine",  # [DICT] Paczka w drodze do pierwotnie wybranego automatu Paczkomat
            "unstack_from_customer_service_point",  # [DICT] W drodze do wybranego automatu Paczkomat
        },
        Status.OUT_FOR_DELIVERY: {
            "out_for_delivery",  # [DICT] Wydana do doręczenia (handed out for delivery)
            "out_for_delivery_to_address",  # [DICT] W doręczeniu (being delivered)
            "pickup_reminder_sent_address",  # [DICT] W doręczeniu (being delivered)
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "ready_to_pickup",  # [ST] Placed in Parcel Locker (of destination); [DICT] Gotowa do odbioru
            "pickup_reminder_sent",  # [DICT] Przypomnienie o odbiorze (reminder to collect)
            "ready_to_pickup_from_pok",  # [DICT] Czeka na odbiór w PaczkoPunkcie (waits at a PaczkoPunkt)
            "ready_to_pickup_from_pok_registered",  # [DICT] Czeka na odbiór w PaczkoPunkcie
            "ready_to_pickup_from_branch",  # [DICT] Paczka nieodebrana – czeka w Oddziale (waits at the branch)
            "courier_avizo_in_customer_service_point",  # [DICT] Oczekuje na odbiór (awaits collection)
            "stack_in_box_machine",  # [DICT] Paczka magazynowana w tymczasowym automacie Paczkomat (stored)
            "stack_in_customer_service_point",  # [DICT] Paczka magazynowana w PaczkoPunkcie (stored)
        },
        Status.DELIVERY_FAILED: {
            "avizo",  # [DICT] Powrót do oddziału (back to the branch after a notice was left)
            "rejected_by_receiver",  # [DICT] Odmowa przyjęcia (refused)
            "undelivered_unknown_receiver",  # [DICT] Brak możliwości doręczenia: receiver unknown
            "undelivered_cod_cash_receiver",  # [DICT] Brak możliwości doręczenia: cash on delivery not paid
            "undelivered_no_mailbox",  # [DICT] Brak możliwości doręczenia: no mailbox
            "undelivered_lack_of_access_letterbox",  # [DICT] Brak możliwości doręczenia: no access to the letterbox
            *_ADDRESS_ISSUES,
        },
        Status.DELIVERED: {
            "delivered",  # [DICT] Doręczona (delivered)
        },
        Status.RETURNING_TO_SENDER: {
            "returned_to_sender",  # [DICT] Zwrot do nadawcy (return to the sender)
        },
        Status.EXCEPTION: {
            "undelivered",  # [DICT] Przekazanie do magazynu przesyłek niedoręczalnych (to the undeliverable store)
        },
    }
)

INPOST_SUBSTATUS: dict[str, str] = dict.fromkeys(_ADDRESS_ISSUES, "address_issue")
