"""The text fallback: a table per language (with negations and guards), the threshold, ties, and
its wiring into `normalise` with the text-status counter."""

import pytest
from prometheus_client import REGISTRY

from carriers.base import normalise
from carriers.textclass import TEXT_THRESHOLD, Classification, classify, fold
from carriers.textclass.phrases import LANGUAGES
from schemas.status import Status

S = Status
U = Status.UNKNOWN

ENGLISH = [
    ("Delivered", S.DELIVERED),
    ("Delivered, Parcel Locker", S.DELIVERED),
    ("Package delivered to and signed by the customer", S.DELIVERED),
    ("Collected by the recipient", S.DELIVERED),
    ("Out for delivery", S.OUT_FOR_DELIVERY),
    ("Item out for physical delivery", S.OUT_FOR_DELIVERY),
    ("Available for collection", S.AVAILABLE_FOR_PICKUP),
    ("Ready to be picked up", S.AVAILABLE_FOR_PICKUP),
    ("Delivery attempted: recipient absent, notice left", S.DELIVERY_FAILED),
    ("Item could not be delivered", S.DELIVERY_FAILED),
    ("The receiver couldn't be reached", U),
    ("Returning to sender", S.RETURNING_TO_SENDER),
    ("Return to sender", S.RETURNING_TO_SENDER),
    ("Returned to sender", S.RETURNED_TO_SENDER),
    ("Return delivered to seller", S.RETURNED_TO_SENDER),
    ("Departed from departure country/region", S.EXPORT),
    ("Departure from outward office of exchange", S.EXPORT),
    ("Export customs clearance started", S.EXPORT),
    ("Arrived at destination country port", S.IMPORT),
    ("Arrival at inward office of exchange", S.IMPORT),
    ("Held by import customs: duties unpaid", S.IMPORT),
    ("In Transit to Next Facility", S.IN_TRANSIT),
    ("Accepted by carrier", S.IN_TRANSIT),
    ("Shipment information received", S.INFO_RECEIVED),
    ("Shipping Label Created, USPS Awaiting Item", S.INFO_RECEIVED),
    ("Lost in transit: investigation closed", S.EXCEPTION),
    ("Seized by customs", S.EXCEPTION),
    # negations, guards and the future are never "delivered"
    ("Not delivered", U),
    ("The parcel was not yet delivered", U),
    ("Will be delivered tomorrow", U),
    ("Estimated delivery: Monday", U),
    ("The customer is contacted before the final delivery", U),
    ("Awaiting for transit to final delivery office", U),
    ("Delivered to the post office", U),
    ("Item returned from export customs", U),
    # nothing said, nothing guessed: never in_transit by default
    ("Sin estado: el socio no envió uno", U),
    ("Carrier update", U),
    ("Departed from customs", U),
    ("Import/export customs clearance is complete", U),
    ("Out for delivery. Delivered", U),
]

CHINESE = [
    ("已签收，签收人：本人", S.DELIVERED),
    ("妥投", S.DELIVERED),
    ("投递成功", S.DELIVERED),
    ("未妥投", S.DELIVERY_FAILED),
    ("投递失败，收件人拒收", S.DELIVERY_FAILED),
    ("正在派送", S.OUT_FOR_DELIVERY),
    ("快件已到达自提点，请凭取件码取件", S.AVAILABLE_FOR_PICKUP),
    ("出口清关完成", S.EXPORT),
    ("已离境", S.EXPORT),
    ("进口清关中", S.IMPORT),
    ("已到达目的国", S.IMPORT),
    ("快件已揽收", S.IN_TRANSIT),
    ("退回中", S.RETURNING_TO_SENDER),
    ("退回妥投", S.RETURNED_TO_SENDER),
    ("包裹丢失", S.EXCEPTION),
    ("等待签收", U),
    ("尚未签收", U),
    ("未签收", U),
]

RUSSIAN = [
    ("Вручение", S.DELIVERED),
    ("Вручение адресату", S.DELIVERED),
    ("Вручено адресату почтальоном", S.DELIVERED),
    ("Посылка № 12 вручена", S.DELIVERED),
    ("Вручение отправителю", S.RETURNED_TO_SENDER),
    ("Вручение. Вручение отправителю", S.RETURNED_TO_SENDER),
    ("Не вручено", U),
    ("Вручение. Отправителю почтальоном", S.RETURNED_TO_SENDER),
    ("Неудачная попытка вручения. Временное отсутствие адресата", S.DELIVERY_FAILED),
    ("Прибыло в место вручения", S.AVAILABLE_FOR_PICKUP),
    ("Передано почтальону", S.OUT_FOR_DELIVERY),
    ("Возврат. Истёк срок хранения", S.RETURNING_TO_SENDER),
    ("Экспорт международной почты", S.EXPORT),
    ("Импорт", S.IMPORT),
    ("Прибыло на территорию РФ", S.IMPORT),
    ("Приём", S.IN_TRANSIT),
    ("Покинуло сортировочный центр", S.IN_TRANSIT),
    ("Невручение. Утрачено", S.EXCEPTION),
    ("Изъято из почтомата", U),
    ("Вручение разрешено", U),
    ("Передано таможне", U),
]

SPANISH = [
    ("Entregado", S.DELIVERED),
    ("Envío entregado al destinatario", S.DELIVERED),
    ("No entregado", U),
    ("Aún no entregado", U),
    ("No entregado: destinatario ausente", S.DELIVERY_FAILED),
    ("Intento de entrega fallido", S.DELIVERY_FAILED),
    ("En reparto", S.OUT_FOR_DELIVERY),
    ("Disponible para recoger en oficina", S.AVAILABLE_FOR_PICKUP),
    ("En devolución", S.RETURNING_TO_SENDER),
    ("Devuelto al remitente", S.RETURNED_TO_SENDER),
    ("Salida del país de origen", S.EXPORT),
    ("Llegada al país de destino", S.IMPORT),
    ("En tránsito", S.IN_TRANSIT),
    ("Admitido", S.IN_TRANSIT),
    ("Envío extraviado", S.EXCEPTION),
    ("Será entregado mañana", U),
]

PORTUGUESE = [
    ("Objeto entregue ao destinatário", S.DELIVERED),
    ("Entregue", S.DELIVERED),
    ("Objeto não entregue", U),
    ("Não foi possível entregar o objeto", S.DELIVERY_FAILED),
    ("Carteiro não atendido", S.DELIVERY_FAILED),
    ("Objeto saiu para entrega ao destinatário", S.OUT_FOR_DELIVERY),
    ("Objeto aguardando retirada no endereço indicado", S.AVAILABLE_FOR_PICKUP),
    ("Objeto em devolução", S.RETURNING_TO_SENDER),
    ("Objeto entregue ao remetente", S.RETURNED_TO_SENDER),
    ("Objeto recebido na unidade de exportação no país de origem", S.EXPORT),
    ("Objeto recebido pelos Correios do Brasil", S.IMPORT),
    ("Objeto em trânsito - por favor aguarde", S.IN_TRANSIT),
    ("Objeto postado", S.IN_TRANSIT),
    ("Etiqueta emitida", S.INFO_RECEIVED),
    ("Objeto roubado", S.EXCEPTION),
]

FRENCH = [
    ("Votre colis est livré", S.DELIVERED),
    ("Colis remis au destinataire", S.DELIVERED),
    ("Votre colis n'a pas été livré", U),
    ("Votre colis sera livré demain", U),
    ("Tentative de livraison : destinataire absent", S.DELIVERY_FAILED),
    ("Votre colis est en cours de livraison", S.OUT_FOR_DELIVERY),
    ("Votre colis est disponible dans votre point de retrait", S.AVAILABLE_FOR_PICKUP),
    ("Colis mis en instance", S.AVAILABLE_FOR_PICKUP),
    ("Votre colis est retourné à l'expéditeur", S.RETURNING_TO_SENDER),
    ("Votre colis a été livré à l'expéditeur", S.RETURNED_TO_SENDER),
    ("Votre colis a quitté le pays d'origine", S.EXPORT),
    ("Votre colis est arrivé dans le pays de destination", S.IMPORT),
    ("Votre colis est en cours d'acheminement", S.IN_TRANSIT),
    ("Colis endommagé", S.EXCEPTION),
]

GERMAN = [
    ("Die Sendung wurde zugestellt", S.DELIVERED),
    ("Die Sendung wurde vom Empfänger abgeholt", S.DELIVERED),
    ("Die Sendung konnte nicht zugestellt werden", S.DELIVERY_FAILED),
    ("Zustellung nicht möglich, Empfänger nicht angetroffen", S.DELIVERY_FAILED),
    ("Die Sendung wurde in das Zustellfahrzeug geladen", S.OUT_FOR_DELIVERY),
    ("Die Sendung wird heute zugestellt", S.OUT_FOR_DELIVERY),
    ("Die Sendung wird voraussichtlich am Montag zugestellt", U),
    ("Die Sendung liegt zur Abholung bereit", S.AVAILABLE_FOR_PICKUP),
    ("Rücksendung an den Absender", S.RETURNING_TO_SENDER),
    ("Die Sendung wurde an den Absender zugestellt", S.RETURNED_TO_SENDER),
    ("Die Sendung hat das Herkunftsland verlassen", S.EXPORT),
    ("Die Sendung ist im Zielland angekommen", S.IMPORT),
    ("Die Sendung wurde im Paketzentrum bearbeitet", S.IN_TRANSIT),
    ("Die Auftragsdaten zu dieser Sendung wurden elektronisch übermittelt", S.INFO_RECEIVED),
    ("Die Sendung wurde beschädigt", S.EXCEPTION),
]

TABLES = {"en": ENGLISH, "zh": CHINESE, "ru": RUSSIAN, "es": SPANISH, "pt": PORTUGUESE, "fr": FRENCH, "de": GERMAN}
CASES = [pytest.param(text, status, id=f"{lang}:{text}") for lang, table in TABLES.items() for text, status in table]


@pytest.mark.parametrize(("text", "status"), CASES)
def test_a_description_gives_its_status_or_unknown(text, status):
    result = classify(text)
    assert result.status is status, result
    if status is U:
        assert result.confidence < TEXT_THRESHOLD or result.best is U
    else:
        assert TEXT_THRESHOLD <= result.confidence <= 1
        assert result.evidence


def test_every_language_has_a_table_of_cases():
    assert set(TABLES) == set(LANGUAGES)


def test_below_the_threshold_the_answer_is_unknown_with_the_confidence_and_guess_kept():
    lenient = classify("Handed over to linehaul partner", threshold=0.6)
    strict = classify("Handed over to linehaul partner", threshold=0.7)
    assert (lenient.status, lenient.confidence) == (S.IN_TRANSIT, 0.65)
    assert (strict.status, strict.confidence, strict.best) == (U, 0.65, S.IN_TRANSIT)


def test_a_weak_phrase_alone_stays_unknown_and_evidence_adds_up():
    assert classify("Not delivered") == Classification(U, 0.5, S.DELIVERY_FAILED, None, ("en:not delivered",))
    combined = classify("Not delivered, recipient absent")  # "not delivered" before a clause of its reason: 0.75
    assert combined.status is S.DELIVERY_FAILED
    assert combined.confidence == round(1 - (1 - 0.75) * (1 - 0.75), 3)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # "not delivered", then its reason in a clause of its own, is a failed delivery
        ("Not delivered: Moved", S.DELIVERY_FAILED),
        ("Nicht ausgeliefert: Empfänger verzogen", S.DELIVERY_FAILED),
        ("Objeto não entregue - cliente mudou-se", S.DELIVERY_FAILED),
        ("Not delivered", U),
    ],
)
def test_a_negated_delivery_followed_by_its_reason_is_a_failed_delivery(text, status):
    assert classify(text).status is status, classify(text)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # a "delivered" to a party on the way is no delivery, unless the recipient is named
        ("Package delivered to carrier by seller", S.IN_TRANSIT),
        ("Volume entregue à transportadora", S.IN_TRANSIT),
        ("El paquete fue entregado al transportista para su distribución.", S.IN_TRANSIT),
        ("Ausgeliefert: Übergabe an Dienstleister", U),
        ("Delivered: Customs", U),
        ("Delivered to the recipient by the courier", S.DELIVERED),
        ("Delivered: Delivery to neighbor", S.DELIVERED),
        ("HalfDelivered", U),
    ],
)
def test_a_delivery_to_an_intermediary_is_not_a_delivery(text, status):
    assert classify(text).status is status, classify(text)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # a `~` never skips a contrast: "delivered" is not swallowed by "shipment … arrived"
        ("Your shipment was delivered but arrived damaged.", S.DELIVERED),
        # a negation does not reach across a conjunction
        ("Die Sendung wurde nicht abgeholt und wird zurückgesandt", S.RETURNING_TO_SENDER),
        # customs without a direction is no status, and never in_transit
        ("Прием на таможню", U),
        ("Delayed (Customs clearance)", U),
        ("Arrived at customs", U),
        ("Held in export customs", S.EXPORT),
        # a later status compatible with the stronger one is the answer
        ("Die Auslandssendung wurde im Export-Paketzentrum bearbeitet", S.EXPORT),
        ("Livraison en échec avec retour magasin", S.RETURNING_TO_SENDER),
        ("Rücksendung: Annahme verweigert", S.RETURNING_TO_SENDER),
        # … but never delivered or returned_to_sender, which win on their own score only
        ("В пути. Обработка. Доставлено", U),
        # a collection and a request to come and collect contradict each other
        ("已签收，请尽快来取", U),
        # Chinese alternatives match each ("派件网点" is no "派件")
        ("快件到达派件网点", S.IN_TRANSIT),
        # partial deliveries are no deliveries
        ("Entregado parcial", U),
        ("DELIVERY_DELIVERED_PARTIALLY", U),
        ("Distribué à l'expéditeur", S.RETURNED_TO_SENDER),
    ],
)
def test_the_rules_of_clauses_customs_and_later_statuses(text, status):
    assert classify(text).status is status, classify(text)


def test_contradicting_statuses_discount_each_other_and_compatible_ones_do_not():
    contradiction = classify("Out for delivery. Delivered")
    assert contradiction.status is U and contradiction.confidence == round(0.95 * (1 - 0.9), 3)
    assert classify("In transit, departed from the origin country").confidence == 0.9


def test_a_tie_between_contradicting_statuses_is_unknown_whatever_the_threshold():
    tie = classify("Delivered. Delivery failed", threshold=0.01)
    assert (tie.status, tie.best, tie.confidence) == (U, U, round(0.9 * (1 - 0.9), 3))
    compatible = classify("Exportación. En tránsito. Export")  # export 0.8 ⊕ 0.7 = 0.94 vs in_transit 0.75
    assert (compatible.status, compatible.confidence) == (S.EXPORT, 0.94)


def test_a_substatus_comes_with_the_phrase():
    assert classify("Package damaged").substatus == "damaged"
    assert classify("Incorrect address").substatus == "address_issue"
    assert classify("Package damaged", threshold=0.99).substatus is None


PICKUP_PLACES = [
    # a delivery to a pickup place awaits the recipient; a collection from it is the delivery
    ("Delivered by driver to Pickup parcelshop", S.AVAILABLE_FOR_PICKUP),
    ("Delivered to the pickup point", S.AVAILABLE_FOR_PICKUP),
    ("Delivered, Parcel Locker", S.DELIVERED),
    ("Delivered to the parcel locker", S.AVAILABLE_FOR_PICKUP),
    ("The shipment has been collected by the recipient from the Hermes ParcelShop", S.DELIVERED),
    ("Die Sendung wurde vom Empfänger im Hermes PaketShop abgeholt", S.DELIVERED),
    ("Die Sendung wurde vom Empfänger nicht abgeholt", U),
    ("快件已被丰巢智能快递柜代收", S.AVAILABLE_FOR_PICKUP),
    ("您的快递已签收, 签收人在丰巢柜领取", S.DELIVERED),
    ("Вручение. Выдано адресату через почтомат", S.DELIVERED),
    ("Обработка. Прибыло в почтомат", S.AVAILABLE_FOR_PICKUP),
    ("Votre colis est livré en point relais", S.AVAILABLE_FOR_PICKUP),
]


@pytest.mark.parametrize(("text", "status"), PICKUP_PLACES)
def test_a_delivery_to_a_pickup_place_is_available_for_pickup_until_collected(text, status):
    assert classify(text).status is status, classify(text)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("OutForDelivery", S.OUT_FOR_DELIVERY),
        ("InTransit", S.IN_TRANSIT),
        ("AvailableForPickup_Other", S.AVAILABLE_FOR_PICKUP),
        ("DeliveryFailure_InvalidAddress", S.DELIVERY_FAILED),
        ("GTMS_SIGNED", S.DELIVERED),
        ("en_route_delivery", S.OUT_FOR_DELIVERY),
        ("PreTransit", S.INFO_RECEIVED),
    ],
)
def test_code_like_strings_are_read_as_words(text, status):
    assert classify(text).status is status, classify(text)


def test_folding_splits_camel_case_and_marks_a_spaced_dash_as_a_clause():
    assert fold("OutForDelivery") == "out for delivery"
    assert fold("Objeto não entregue - Endereço não encontrado") == "objeto nao entregue . endereco nao encontrado"


@pytest.mark.parametrize("text", [None, "", "   ", "…", "12345"])
def test_empty_or_wordless_text_is_unknown_with_no_confidence(text):
    assert classify(text) == Classification(U, 0.0, U)


def test_folding_drops_accents_case_apostrophes_and_marks_clauses():
    assert fold("Objeto NÃO entregue — aguarde") == "objeto nao entregue . aguarde"
    assert fold("Can't deliver: l'expéditeur") == "cannot deliver . l expediteur"
    assert fold("Couldn't") == "could not"
    assert fold("Ёлка № 5") == "елка . 5"


def test_classification_is_deterministic():
    text = "Votre colis est arrivé dans le pays de destination"
    assert len({classify(text) for _ in range(3)}) == 1


# ---------------------------------------------------------------- normalise: the wiring


def counter(metric: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(metric, labels) or 0.0


def generic(*events: dict) -> dict:
    return {"tracking_number": "LP123456785CN", "events": list(events)}


def event(description: str | None, code: str | None = "X1", **extra) -> dict:
    return {"occurred_at": "2026-03-10T16:00:00+01:00", "description": description, "code": code, **extra}


def test_normalise_takes_a_confident_status_from_the_text():
    before = counter("parcelwatch_text_classified_total", carrier="generic", status="delivered")
    (shipment,) = normalise("generic", generic(event("Zugestellt")))
    (canonical,) = shipment.events
    assert (canonical.status, canonical.status_source, canonical.confidence) == (S.DELIVERED, "text", 0.9)
    assert counter("parcelwatch_text_classified_total", carrier="generic", status="delivered") == before + 1


def test_normalise_leaves_an_unconfident_event_as_the_carrier_made_it():
    (shipment,) = normalise("generic", generic(event("Sin estado", code="X42")))
    (canonical,) = shipment.events
    assert (canonical.status, canonical.status_source, canonical.confidence) == (U, "carrier", None)


def test_normalise_threshold_is_a_parameter():
    payload = generic(event("Handed over to linehaul partner"))
    assert normalise("generic", payload)[0].events[0].status is S.IN_TRANSIT
    assert normalise("generic", payload, text_threshold=0.9)[0].events[0].status is U


def test_normalise_never_touches_an_event_the_carrier_mapped():
    (shipment,) = normalise("generic", generic(event("Delivered", status="in_transit")))
    assert (shipment.events[0].status, shipment.events[0].status_source) == (S.IN_TRANSIT, "carrier")


def test_normalise_keeps_the_carriers_substatus_and_adds_the_texts():
    (shipment,) = normalise("generic", generic(event("Shipment damaged"), event("Lost", substatus="stolen")))
    assert [e.substatus for e in shipment.events] == ["damaged", "stolen"]
