"""Weighted phrases per canonical status, per language: the data of the text fallback.

Phrases are written folded (lower case, accents dropped, `ё` as `е`, apostrophes and hyphens as
spaces) and matched on whole words, leftmost then longest. Syntax, token by token:

    word          the word itself, nothing more (`delivered` does not match `undelivered`)
    a|b|c         one of the words; `_` inside an alternative stands for a space (`post_office`)
    ~             up to three arbitrary words of the same clause
    Chinese       a phrase of CJK characters is matched as a substring, without word boundaries

A weight is how much the phrase alone says the event has that status (0–1); several phrases for
one status add up as independent evidence. `None` marks guards: phrases that contain a status
word without meaning it ("will be delivered", "returned from customs"), so the word inside them
is not counted. A phrase preceded in its clause by a negation (`NEGATIONS`) counts for nothing.

The phrases follow the carriers' own wording where one is documented: UPU event names (EMA…EMI),
Cainiao `standerdDesc`, Russian Post operation names, 17TRACK / AfterShip sub-status texts
(`../shared/corpus/tables/`), and the everyday wording of the national posts.
"""

from schemas.status import Status

S = Status

#: (phrase, weight) or (phrase, weight, substatus)
Entry = tuple[str, float] | tuple[str, float, str]

ENGLISH: dict[Status | None, list[Entry]] = {
    S.DELIVERED: [
        ("delivered", 0.9),
        ("delivery completed|complete|successful|confirmed", 0.9),
        ("final delivery", 0.9),
        ("signed for", 0.85),
        ("signed by ~ recipient|consignee|addressee|customer|receiver", 0.9),
        ("received by ~ recipient|consignee|addressee|customer|receiver", 0.85),
        ("picked_up|collected by ~ recipient|consignee|addressee|customer|receiver", 0.9),
    ],
    S.OUT_FOR_DELIVERY: [
        ("out for ~ delivery", 0.95),
        ("with ~ courier|driver|carrier|postman for delivery", 0.9),
        ("on ~ vehicle|van|truck for delivery", 0.9),
        ("loaded on|onto ~ delivery vehicle|van|truck", 0.85),
        ("delivery in progress", 0.75),
        ("being delivered", 0.7),
    ],
    S.AVAILABLE_FOR_PICKUP: [
        ("available for pickup|pick|collection", 0.9),
        ("ready for pickup|pick|collection", 0.9),
        ("awaiting ~ pickup|pick|collection", 0.8),
        ("ready|available to be picked_up|collected", 0.9),
        (
            "arrived|arrival|delivered at|to ~ pickup_point|pickup_location|collection_point|parcel_shop|service_point",
            0.8,
        ),
        ("held at ~ post_office for pickup|collection", 0.85),
    ],
    S.DELIVERY_FAILED: [
        ("delivery attempted|attempt", 0.8),
        ("attempted delivery", 0.8),
        ("delivery attempt ~ failed|unsuccessful", 0.9),
        ("unsuccessful|failed ~ delivery|attempt", 0.9),
        ("delivery ~ failed|unsuccessful", 0.9),
        ("refused|rejected ~ delivery|package|parcel|shipment|item", 0.75, "refused"),
        ("refused to accept", 0.75, "refused"),
        ("could|can not deliver", 0.85),
        ("could|can not be delivered", 0.85),
        ("cannot deliver|be_delivered", 0.85),
        ("unable to deliver|be_delivered", 0.85),
        ("missed delivery", 0.8),
        ("not delivered", 0.5),
        ("undeliverable", 0.6),
        ("recipient|addressee|consignee|customer ~ not_available|absent|unavailable|not_home|moved", 0.75),
        ("nobody|no_one ~ home", 0.7),
        ("business closed", 0.7),
        ("refused|rejected by ~ recipient|addressee|consignee|customer", 0.75, "refused"),
        ("incorrect|wrong|insufficient|incomplete|invalid|bad ~ address", 0.7, "address_issue"),
        ("address ~ incorrect|incomplete|insufficient|unknown|invalid", 0.7, "address_issue"),
    ],
    S.RETURNING_TO_SENDER: [
        ("returning to|back_to ~ sender|shipper|origin|seller|merchant", 0.9),
        ("return to ~ sender|shipper|seller|merchant", 0.85),
        ("being returned", 0.85),
        ("return ~ initiated|in_progress|requested|started", 0.75),
        ("sent back to ~ sender|shipper|seller|merchant", 0.8),
    ],
    S.RETURNED_TO_SENDER: [
        ("returned to ~ sender|shipper|seller|merchant", 0.85),
        ("delivered to|back_to ~ sender|shipper|seller|merchant", 0.9),
        ("return delivered|completed|received", 0.85),
        ("received by ~ sender|shipper|seller|merchant", 0.85),
    ],
    S.EXPORT: [
        ("export customs|clearance", 0.85),
        ("exported", 0.85),
        ("export", 0.7),
        ("departed|left|leaving|departure|dispatched ~ departure|origin country", 0.9),
        ("departed|left|leaving|departure|dispatched ~ country of origin", 0.9),
        ("departed|left|leaving|departure ~ outward office", 0.9),
        ("port of ~ origin|originating|departure country", 0.8),
        ("outward office of exchange", 0.6),
    ],
    S.IMPORT: [
        ("import customs|clearance", 0.85),
        ("imported", 0.8),
        ("import", 0.6),
        ("arrived|arrival|arrives|received ~ destination country|countries", 0.9),
        ("arrived|arrival|arrives|received ~ country of destination", 0.9),
        ("inward office of exchange", 0.8),
        ("arrived|arrival|departed|departure ~ inward office", 0.85),
        ("port of ~ destination country", 0.85),
        ("destination ~ clearance|customs", 0.7),
    ],
    S.IN_TRANSIT: [
        ("in transit", 0.75),
        ("on the way", 0.65),
        ("departed|left|arrived|arrival ~ facility|hub|sorting|terminal|station|warehouse|depot|office", 0.7),
        ("processed|processing ~ facility|hub|sorting|terminal|office|centre|center|depot", 0.7),
        ("received|arrived at|in ~ facility|hub|warehouse|sorting|depot|terminal", 0.7),
        ("accepted at|by|for ~ post|post_office|carrier|courier|counter|logistics|transportation", 0.75),
        ("received by ~ logistics|carrier|courier|postal", 0.7),
        ("picked up", 0.7),
        ("collected ~ from ~ sender|shipper|seller|merchant", 0.75),
        ("in possession of ~ item|package|parcel|shipment", 0.7),
        ("handed over to ~ linehaul|carrier|airline|partner|courier", 0.65),
        ("departure|arrival scan", 0.7),
        ("sorting|sorted", 0.6),
        ("forwarded", 0.55),
    ],
    S.INFO_RECEIVED: [
        ("information|info|data received|sent|transmitted", 0.85),
        ("pre shipment|advice|alert", 0.85),
        ("electronic|advance ~ notice|notification|information|data", 0.75),
        ("label created|printed", 0.85),
        ("shipment|item expected", 0.7),
        ("awaiting ~ item|shipment|dispatch", 0.7),
        ("order received|processed|placed", 0.6),
    ],
    S.EXCEPTION: [
        ("lost", 0.85, "lost"),
        ("stolen", 0.8, "lost"),
        ("damaged", 0.8, "damaged"),
        ("destroyed|disposed|discarded", 0.85, "destroyed"),
        ("seized|confiscated", 0.85, "seized"),
    ],
    None: [
        ("will|to be delivered", 0),
        ("expected|estimated|scheduled|planned|anticipated delivery", 0),
        ("delivered to ~ post_office", 0),
        ("final delivery office|station|centre|center|depot|point|hub|facility", 0),
        ("export cancellation|cancelled|canceled", 0),
        ("to be picked_up|collected", 0),
        ("returned from ~ customs", 0),
    ],
}

CHINESE: dict[Status | None, list[Entry]] = {
    S.DELIVERED: [
        ("已签收", 0.95),
        ("签收", 0.8),
        ("已簽收", 0.95),
        ("簽收", 0.8),
        ("妥投", 0.95),
        ("投递成功", 0.95),
        ("投遞成功", 0.95),
        ("派送成功", 0.9),
        ("已送达", 0.9),
        ("代收", 0.7),
    ],
    S.OUT_FOR_DELIVERY: [
        ("派送中", 0.9),
        ("正在派送", 0.9),
        ("派件中", 0.9),
        ("开始派送", 0.85),
        ("安排投递", 0.85),
        ("投递中", 0.85),
        ("正在投递", 0.9),
    ],
    S.AVAILABLE_FOR_PICKUP: [
        ("待取件", 0.85),
        ("待领取", 0.85),
        ("待自提", 0.85),
        ("自提点", 0.7),
        ("取件码", 0.8),
        ("快递柜", 0.7),
    ],
    S.DELIVERY_FAILED: [
        ("投递失败", 0.9),
        ("派送失败", 0.9),
        ("投递不成功", 0.85),
        ("无法投递", 0.85),
        ("未妥投", 0.8),
        ("签收失败", 0.85),
        ("拒收", 0.75, "refused"),
        ("拒签", 0.75, "refused"),
        ("地址错误", 0.7, "address_issue"),
        ("地址不详", 0.7, "address_issue"),
    ],
    S.RETURNING_TO_SENDER: [
        ("退回", 0.8),
        ("退件", 0.75),
        ("退回中", 0.9),
        ("正在退回", 0.9),
        ("返回寄件人", 0.85),
    ],
    S.RETURNED_TO_SENDER: [
        ("退回妥投", 0.9),
        ("退回签收", 0.9),
        ("退件签收", 0.9),
        ("退回成功", 0.9),
    ],
    S.EXPORT: [
        ("出口", 0.8),
        ("出境", 0.8),
        ("离境", 0.8),
    ],
    S.IMPORT: [
        ("进口", 0.8),
        ("入境", 0.8),
        ("进境", 0.8),
        ("目的国", 0.8),
        ("目的地国家", 0.8),
    ],
    S.IN_TRANSIT: [
        ("运输中", 0.75),
        ("转运中", 0.75),
        ("在途", 0.7),
        ("已揽收", 0.8),
        ("揽收", 0.75),
        ("揽件", 0.75),
        ("已收寄", 0.8),
        ("收寄", 0.75),
        ("已发出", 0.65),
        ("发往", 0.6),
        ("中转", 0.65),
        ("分拣中心", 0.6),
        ("处理中心", 0.6),
        ("出库", 0.6),
    ],
    S.INFO_RECEIVED: [
        ("电子信息", 0.75),
        ("等待揽收", 0.8),
        ("待揽收", 0.8),
        ("已下单", 0.7),
        ("卖家已发货", 0.6),
    ],
    S.EXCEPTION: [
        ("丢失", 0.85, "lost"),
        ("遗失", 0.85, "lost"),
        ("破损", 0.8, "damaged"),
        ("损坏", 0.8, "damaged"),
        ("销毁", 0.85, "destroyed"),
        ("扣押", 0.8, "seized"),
        ("没收", 0.85, "seized"),
        ("查扣", 0.85, "seized"),
    ],
    None: [
        ("待签收", 0),
        ("等待签收", 0),
    ],
}

RUSSIAN: dict[Status | None, list[Entry]] = {
    S.DELIVERED: [
        ("вручение", 0.8),
        ("вручение адресату|получателю", 0.95),
        ("вручено|вручена|вручен", 0.85),
        ("вручено|вручена|вручен адресату|получателю", 0.95),
        ("успешное вручение", 0.95),
        ("выдано|выдана адресату|получателю", 0.95),
        ("получено|получена|получен адресатом|получателем", 0.9),
        ("доставлено|доставлена|доставлен", 0.7),
    ],
    S.OUT_FOR_DELIVERY: [
        ("передано|передана ~ почтальону|курьеру", 0.75),
        ("доставляется ~ курьером|почтальоном", 0.8),
    ],
    S.AVAILABLE_FOR_PICKUP: [
        ("прибыло|прибыла в место вручения", 0.75),
        ("прибыло|прибыла в ~ почтомат|пункт_выдачи|пвз|постамат", 0.8),
        ("ожидает ~ адресата|получателя|вручения", 0.75),
        ("готово|готова к ~ выдаче|вручению|получению", 0.85),
        ("истекает срок хранения", 0.7),
        ("хранение", 0.6),
    ],
    S.DELIVERY_FAILED: [
        ("неудачная попытка ~ вручения|доставки", 0.9),
        ("неудачная попытка", 0.85),
        ("не удалось ~ вручить|доставить", 0.85),
        ("не вручено|вручена|доставлено|доставлена", 0.5),
        ("временное отсутствие адресата", 0.8),
        ("адресат ~ отсутствует|выбыл", 0.75),
        ("неправильный|неполный|неверный адрес", 0.7, "address_issue"),
        ("отказ адресата|получателя", 0.6, "refused"),
        ("отказ от получения", 0.6, "refused"),
    ],
    S.RETURNING_TO_SENDER: [
        ("возврат|возврата", 0.85),
        ("возврат|возвращено|возвращается ~ отправителю", 0.9),
        ("возвращается", 0.85),
    ],
    S.RETURNED_TO_SENDER: [
        ("вручение|вручено|вручена|выдано|выдана ~ отправителю", 0.95),
        ("получено|получена|получен отправителем", 0.9),
        ("отправителю", 0.55),
    ],
    S.EXPORT: [
        ("экспорт", 0.85),
        ("экспортировано", 0.85),
        ("покинуло|покинула ~ страну отправления|отправки", 0.9),
    ],
    S.IMPORT: [
        ("импорт", 0.85),
        ("импортировано", 0.85),
        ("прибыло|прибыла на территорию ~ рф|россии|российской", 0.85),
        ("прибыло|прибыла в страну назначения", 0.9),
    ],
    S.IN_TRANSIT: [
        ("прием", 0.7),
        ("принято|принята|принят в ~ отделении|отделение|опс", 0.75),
        ("сортировка", 0.7),
        ("обработка", 0.6),
        ("прибыло|прибыла|покинуло|покинула ~ сортировочный|сортировочного|сортировочном", 0.75),
        ("покинуло|покинула место приема", 0.75),
        ("место транзита", 0.7),
        ("в пути", 0.7),
        ("досылка", 0.6),
        ("передано|передана перевозчику", 0.7),
    ],
    S.INFO_RECEIVED: [
        ("присвоен ~ трек|идентификатор|номер", 0.8),
        ("получена ~ информация|данные", 0.75),
        ("электронная информация", 0.75),
    ],
    S.EXCEPTION: [
        ("утрачено|утрачена|утрачен|утеряно|утеряна", 0.85, "lost"),
        ("изъято|изъята", 0.8, "seized"),
        ("конфисковано|конфискована", 0.85, "seized"),
        ("повреждено|повреждена|поврежден", 0.8, "damaged"),
        ("уничтожено|уничтожена", 0.85, "destroyed"),
        ("невручение", 0.6),
    ],
    None: [
        ("вручение разрешено|не", 0),
        ("изъято|изъята из ~ почтомата|апш|аапс|ячейки", 0),
        ("истек срок хранения", 0),
        ("будет ~ вручено|доставлено", 0),
    ],
}

SPANISH: dict[Status | None, list[Entry]] = {
    S.DELIVERED: [
        ("entregado|entregada", 0.9),
        ("entrega realizada|efectuada|completada|exitosa|confirmada", 0.9),
        ("recibido|recibida por ~ destinatario|cliente", 0.85),
    ],
    S.OUT_FOR_DELIVERY: [
        ("en reparto", 0.9),
        ("salio|salida a|para ~ reparto|entrega", 0.85),
        ("en ruta de|para entrega", 0.85),
        ("en proceso de entrega", 0.8),
    ],
    S.AVAILABLE_FOR_PICKUP: [
        ("disponible para ~ recoger|retirar|recogida|retiro", 0.85),
        ("listo|lista para ~ recoger|retirar|recogida|retiro", 0.85),
        ("esperando ~ recogida|retiro", 0.8),
        ("pendiente de ~ recogida|retiro", 0.8),
        ("disponible en ~ oficina|sucursal|agencia|punto", 0.75),
    ],
    S.DELIVERY_FAILED: [
        ("intento de entrega", 0.85),
        ("entrega fallida|fallido|no_realizada", 0.9),
        ("no se pudo ~ entregar", 0.9),
        ("imposible ~ entregar|entrega", 0.85),
        ("no entregado|entregada", 0.5),
        ("destinatario ausente|desconocido", 0.8),
        ("ausente", 0.65),
        ("direccion incorrecta|incompleta|erronea|insuficiente", 0.7, "address_issue"),
        ("rechazado|rehusado por ~ destinatario", 0.7, "refused"),
    ],
    S.RETURNING_TO_SENDER: [
        ("en devolucion", 0.85),
        ("devolucion", 0.8),
        ("retornando|regresando|devolviendo", 0.8),
    ],
    S.RETURNED_TO_SENDER: [
        ("devuelto|devuelta a|al ~ remitente|origen", 0.85),
        ("entregado|entregada a|al ~ remitente", 0.9),
    ],
    S.EXPORT: [
        ("exportacion", 0.8),
        ("exportado", 0.8),
        ("salio|salida|salido|saliendo ~ pais de origen", 0.9),
    ],
    S.IMPORT: [
        ("importacion", 0.8),
        ("importado", 0.8),
        ("llegada|llego|llegado|arribo ~ pais de destino", 0.9),
    ],
    S.IN_TRANSIT: [
        ("en transito", 0.75),
        ("en camino", 0.65),
        ("admitido|admitida|admision", 0.7),
        ("clasificado|clasificacion", 0.6),
        ("recibido|recibida en ~ centro|oficina|almacen|planta|instalacion", 0.7),
        ("salio|salida de ~ centro|oficina|almacen|instalacion|planta", 0.7),
    ],
    S.INFO_RECEIVED: [
        ("informacion de envio", 0.8),
        ("preadmision|preadmitido|prerregistro|prerregistrado", 0.8),
        ("etiqueta creada|generada", 0.8),
    ],
    S.EXCEPTION: [
        ("perdido|perdida|extraviado|extraviada", 0.85, "lost"),
        ("robado", 0.8, "lost"),
        ("danado|danada", 0.8, "damaged"),
        ("destruido|destruida", 0.85, "destroyed"),
        ("decomisado|incautado|confiscado|confiscada", 0.85, "seized"),
    ],
    None: [
        ("sera entregado|entregada", 0),
        ("fecha ~ de entrega", 0),
    ],
}

PORTUGUESE: dict[Status | None, list[Entry]] = {
    S.DELIVERED: [
        ("entregue", 0.9),
        ("entregue ao|a ~ destinatario", 0.95),
        ("entrega realizada|efetuada|concluida", 0.9),
    ],
    S.OUT_FOR_DELIVERY: [
        ("saiu para ~ entrega", 0.95),
        ("em rota de entrega", 0.9),
    ],
    S.AVAILABLE_FOR_PICKUP: [
        ("aguardando retirada", 0.9),
        ("disponivel para ~ retirada|levantamento", 0.9),
        ("pronto para ~ retirada|retirar|levantamento", 0.85),
    ],
    S.DELIVERY_FAILED: [
        ("tentativa de entrega", 0.85),
        ("entrega nao ~ realizada|efetuada|concluida", 0.85),
        ("nao foi possivel ~ entregar|entrega", 0.9),
        ("nao entregue", 0.5),
        ("carteiro nao atendido", 0.85),
        ("destinatario ausente", 0.8),
        ("endereco incorreto|incompleto|insuficiente", 0.7, "address_issue"),
        ("recusado|recusada", 0.65, "refused"),
    ],
    S.RETURNING_TO_SENDER: [
        ("em devolucao", 0.85),
        ("devolvido|devolvida ao|a ~ remetente", 0.8),
        ("devolvido|devolvida", 0.7),
    ],
    S.RETURNED_TO_SENDER: [
        ("entregue ao|a ~ remetente", 0.9),
    ],
    S.EXPORT: [
        ("exportacao", 0.8),
        ("saida|saiu ~ pais de origem", 0.9),
    ],
    S.IMPORT: [
        ("importacao", 0.8),
        ("chegada|chegou ~ pais de destino", 0.9),
        ("recebido pelos correios do brasil", 0.85),
        ("fiscalizacao aduaneira", 0.7),
    ],
    S.IN_TRANSIT: [
        ("em transito", 0.75),
        ("postado|postada", 0.7),
        ("encaminhado|encaminhada", 0.65),
        ("recebido|recebida na|no ~ unidade|centro|agencia", 0.7),
        ("em tratamento", 0.6),
    ],
    S.INFO_RECEIVED: [
        ("etiqueta emitida|criada", 0.8),
        ("aguardando postagem", 0.8),
        ("informacoes ~ recebidas|enviadas", 0.75),
    ],
    S.EXCEPTION: [
        ("roubado|roubada", 0.8, "lost"),
        ("danificado|danificada|avariado|avariada", 0.8, "damaged"),
        ("apreendido|apreendida", 0.85, "seized"),
    ],
    None: [
        ("sera entregue", 0),
        ("previsao de entrega", 0),
    ],
}

FRENCH: dict[Status | None, list[Entry]] = {
    S.DELIVERED: [
        ("livre|livree", 0.85),
        ("distribue|distribuee", 0.85),
        ("remis|remise ~ destinataire", 0.9),
        ("livraison effectuee|reussie", 0.9),
    ],
    S.OUT_FOR_DELIVERY: [
        ("en cours de livraison|distribution", 0.9),
        ("en livraison", 0.8),
    ],
    S.AVAILABLE_FOR_PICKUP: [
        ("disponible ~ bureau|point|relais|retrait|consigne", 0.8),
        ("en attente de retrait", 0.85),
        ("mis|mise en instance", 0.8),
        ("a retirer", 0.75),
    ],
    S.DELIVERY_FAILED: [
        ("tentative de livraison", 0.8),
        ("livraison ~ impossible|echouee", 0.85),
        ("echec ~ livraison", 0.85),
        ("non livre|livree|distribue", 0.5),
        ("destinataire absent|inconnu", 0.8),
        ("avis de passage", 0.75),
        ("adresse incorrecte|incomplete|erronee|insuffisante", 0.7, "address_issue"),
    ],
    S.RETURNING_TO_SENDER: [
        ("retour ~ expediteur", 0.85),
        ("retourne|retournee|renvoye|renvoyee ~ expediteur", 0.8),
        ("en retour", 0.8),
    ],
    S.RETURNED_TO_SENDER: [
        ("livre|livree|remis|remise ~ expediteur", 0.9),
    ],
    S.EXPORT: [
        ("exportation", 0.8),
        ("exporte|exportee", 0.8),
        ("quitte|depart ~ pays d origine|expedition", 0.9),
    ],
    S.IMPORT: [
        ("importation", 0.8),
        ("importe|importee", 0.8),
        ("arrive|arrivee ~ pays de destination", 0.9),
    ],
    S.IN_TRANSIT: [
        ("en transit", 0.75),
        ("en cours d acheminement", 0.75),
        ("achemine|achemines|acheminee", 0.7),
        ("pris en charge", 0.75),
        ("en cours de tri", 0.65),
    ],
    S.INFO_RECEIVED: [
        ("en attente de prise en charge", 0.75),
        ("etiquette ~ creee|imprimee|editee", 0.8),
        ("informations|donnees ~ recues|transmises", 0.75),
    ],
    S.EXCEPTION: [
        ("perdu|perdue|egare|egaree", 0.85, "lost"),
        ("endommage|endommagee|abime|abimee", 0.8, "damaged"),
        ("detruit|detruite", 0.85, "destroyed"),
        ("saisi|saisie|confisque|confisquee", 0.8, "seized"),
    ],
    None: [
        ("sera livre|livree|distribue|distribuee", 0),
        ("livraison prevue|estimee", 0),
        ("date de livraison", 0),
    ],
}

GERMAN: dict[Status | None, list[Entry]] = {
    S.DELIVERED: [
        ("zugestellt", 0.9),
        ("ausgeliefert", 0.85),
        ("zustellung erfolgt|erfolgreich", 0.9),
        ("vom|von ~ empfanger abgeholt", 0.9),
    ],
    S.OUT_FOR_DELIVERY: [
        ("in zustellung", 0.85),
        ("zustellfahrzeug", 0.85),
        ("wird heute zugestellt", 0.85),
    ],
    S.AVAILABLE_FOR_PICKUP: [
        ("zur abholung", 0.85),
        ("abholbereit", 0.85),
        ("liegt ~ filiale|packstation|paketshop|postfiliale", 0.75),
    ],
    S.DELIVERY_FAILED: [
        ("zustellung nicht moglich", 0.85),
        ("zustellversuch", 0.8),
        ("nicht zugestellt", 0.5),
        ("nicht angetroffen", 0.8),
        ("benachrichtigungskarte", 0.7),
        ("adresse ~ unbekannt|fehlerhaft|unvollstandig|falsch", 0.7, "address_issue"),
        ("annahme verweigert", 0.75, "refused"),
    ],
    S.RETURNING_TO_SENDER: [
        ("rucksendung|zurucksendung|rucklauf|retoure", 0.8),
        ("zuruck an ~ absender|versender", 0.85),
        ("wird ~ zuruckgeschickt|zuruckgesendet|zuruckgesandt", 0.85),
    ],
    S.RETURNED_TO_SENDER: [
        ("an ~ absender|versender ~ zugestellt|ubergeben|zuruckgegeben", 0.9),
    ],
    S.EXPORT: [
        ("exportiert", 0.8),
        ("ausfuhr", 0.8),
        ("abgangsland|herkunftsland|ursprungsland verlassen", 0.9),
    ],
    S.IMPORT: [
        ("importiert", 0.8),
        ("einfuhr", 0.8),
        ("zielland|bestimmungsland ~ angekommen|eingetroffen|eingegangen", 0.9),
        ("ankunft ~ zielland|bestimmungsland", 0.9),
    ],
    S.IN_TRANSIT: [
        ("unterwegs", 0.7),
        ("paketzentrum|sortierzentrum|verteilzentrum", 0.65),
        ("bearbeitet", 0.6),
        ("eingeliefert", 0.75),
    ],
    S.INFO_RECEIVED: [
        ("elektronisch ~ ubermittelt|angekundigt", 0.85),
        ("auftragsdaten|sendungsdaten", 0.8),
    ],
    S.EXCEPTION: [
        ("verloren|abhanden", 0.8, "lost"),
        ("beschadigt", 0.8, "damaged"),
        ("zerstort|vernichtet", 0.85, "destroyed"),
        ("beschlagnahmt", 0.85, "seized"),
    ],
    None: [
        ("wird ~ zugestellt", 0),
        ("voraussichtlich ~ zugestellt", 0),
    ],
}

LANGUAGES: dict[str, dict[Status | None, list[Entry]]] = {
    "en": ENGLISH,
    "zh": CHINESE,
    "ru": RUSSIAN,
    "es": SPANISH,
    "pt": PORTUGUESE,
    "fr": FRENCH,
    "de": GERMAN,
}

#: Words that, in the three words before a phrase in the same clause, cancel it: negations, and
#: words that put it in the future ("contacted before the final delivery").
NEGATIONS: frozenset[str] = frozenset(
    {
        *("not", "no", "never", "cannot", "unable", "before", "until", "prior", "pending", "awaiting"),
        *("nunca", "antes", "hasta"),
        *("nao", "ate"),
        *("pas", "non", "ne", "jamais", "avant"),
        *("nicht", "kein", "keine", "nie"),
        *("не", "нет", "ни"),
    }
)

#: Characters or words that, right before a Chinese phrase, cancel it.
CJK_NEGATIONS: tuple[str, ...] = ("未", "没", "不", "无法", "尚未", "未能", "没有")

#: The statuses whose evidence does not contradict a stronger one: a parcel "in transit, departed
#: from the origin country" is in export; "delivery attempted, available for pickup" awaits pickup.
COMPATIBLE: dict[Status, frozenset[Status]] = {
    S.EXPORT: frozenset({S.IN_TRANSIT}),
    S.IMPORT: frozenset({S.IN_TRANSIT}),
    S.OUT_FOR_DELIVERY: frozenset({S.IN_TRANSIT}),
    S.AVAILABLE_FOR_PICKUP: frozenset({S.IN_TRANSIT, S.DELIVERY_FAILED}),
    S.DELIVERY_FAILED: frozenset({S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.AVAILABLE_FOR_PICKUP}),
    S.DELIVERED: frozenset({S.IN_TRANSIT}),
    S.RETURNING_TO_SENDER: frozenset({S.IN_TRANSIT, S.DELIVERY_FAILED, S.AVAILABLE_FOR_PICKUP}),
    S.RETURNED_TO_SENDER: frozenset({S.IN_TRANSIT, S.DELIVERY_FAILED, S.RETURNING_TO_SENDER, S.DELIVERED}),
    S.EXCEPTION: frozenset({S.IN_TRANSIT}),
    S.IN_TRANSIT: frozenset(),
    S.INFO_RECEIVED: frozenset(),
}
