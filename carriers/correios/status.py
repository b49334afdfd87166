"""Correios SRO events (`evento/tipo` and `evento/status`) by canonical status.

Source of every key: Correios, "Sistema de Rastreamento de Objetos - SRO, Guia Técnico para implementação do
Rastreamento de Objetos via WebService / SOAP", version e-commerce 1.7 (20 March 2014), Anexo I "Lista de
status de eventos", as published with prodis/correios-sro-xml (`misc/Guia_Tecnico_Rastreamento_XML_Cliente-
Versao_e-commerce_v_1.7.pdf` @ 9fe885f). A key is "tipo.status", the status without leading zeros (the
table writes 0, 1, …; answers write 00, 01, …); BDE, BDI and BDR share their statuses (the table lists them
together). Comments give the table's description, and its detail where it decides.

Where the detail says "Objeto será devolvido ao remetente", the event is `returning_to_sender`: Correios
states the return. Left out on purpose, so `unknown` with the text kept: BDE/BDI/BDR 3 and 12 ("Remetente
não retirou objeto na Unidade dos Correios", under analysis), 22 and FC 5 ("Objeto devolvido aos Correios"),
32 and FC 2 (delivery scheduled), 38 (addressee bankrupt), 41 (delivery waits for a batch), 47 (departure for
delivery cancelled), 53 (reprinted and resent), 66 and 69 (delays), BLQ 1 (blocked at the sender's request),
PAR 15 ("Objeto recebido em <destino>", no country said) and the EST reversals ("Favor desconsiderar a
informação anterior": the previous event is void, which a status cannot say).
"""

from carriers.base import StatusTable
from schemas.status import Status

BAIXAS = ("BDE", "BDI", "BDR")


def _baixa(*statuses: int) -> set[str]:
    return {f"{tipo}.{status}" for tipo in BAIXAS for status in statuses}


_ADDRESS_ISSUES = _baixa(6, 7, 8, 10, 19, 34) | {"FC.4"}
_CUSTOMS = _baixa(54, 55, 57, 58, 59)
_DAMAGED = _baixa(28, 37)

CORREIOS_STATUS = StatusTable(
    {
        Status.IN_TRANSIT: {
            "PO.0",  # Objeto postado
            "PO.1",  # Objeto postado
            "PO.9",  # Objeto postado após o horário limite da agência
            "CO.1",  # Objeto coletado
            *("CD.0", "CD.1", "CD.2", "CD.3", "CMT.0", "CUN.0", "CUN.1"),  # Objeto recebido na Unidade dos Correios
            *("DO.0", "DO.1", "DO.2", "PMT.1", "RO.0", "RO.1", "TRI.0"),  # Objeto encaminhado para <cidade>
            "FC.3",  # Objeto mal encaminhado; encaminhamento a ser corrigido
            *_baixa(45),  # Objeto recebido na unidade de distribuição; entrega prevista para o próximo dia útil
        },
        Status.EXPORT: {
            "PAR.18",  # Objeto recebido na unidade de exportação
        },
        Status.IMPORT: {
            "PAR.16",  # Objeto recebido no Brasil; sujeito à fiscalização
            "PAR.17",  # Objeto liberado pela alfândega
            # 54 ICMS Importação to pay; 55 tax review asked; 57, 58, 59 tax review done (released, changed, kept)
            *_CUSTOMS,
        },
        Status.OUT_FOR_DELIVERY: {
            "OEC.0",  # Objeto saiu para entrega ao destinatário
        },
        Status.AVAILABLE_FOR_PICKUP: {
            "LDI.0",  # Objeto aguardando retirada no endereço indicado
            "LDI.1",  # Objeto aguardando retirada no endereço indicado
            "LDI.2",  # Objeto disponível para retirada em Caixa Postal
            "LDI.3",  # Objeto aguardando retirada no endereço indicado
            "LDI.14",  # Objeto aguardando retirada no endereço indicado
            *_baixa(24),  # Objeto disponível para retirada em Caixa Postal
        },
        Status.DELIVERY_FAILED: {
            *_baixa(2),  # Carteiro não atendido; disponível para retirada na unidade a ser informada
            *_baixa(7, 19),  # Endereço incorreto; sujeito a atraso na entrega ou a devolução
            *_baixa(20),  # Carteiro não atendido; será realizada nova tentativa de entrega
            *_baixa(25),  # Empresa sem expediente; a entrega deverá ocorrer no próximo dia útil
            *_baixa(34),  # Logradouro com numeração irregular; sujeito a atraso ou devolução
            *_baixa(35),  # Coleta ou entrega não efetuada; será realizada nova tentativa
            *_baixa(46),  # Tentativa de entrega não efetuada; entrega prevista para o próximo dia útil
            "FC.4",  # Endereço incorreto; sujeito a atraso na entrega ou a devolução
            "FC.7",  # Empresa sem expediente; a entrega deverá ocorrer no próximo dia útil
        },
        Status.DELIVERED: {
            *_baixa(0, 1),  # Objeto entregue ao destinatário
        },
        Status.RETURNING_TO_SENDER: {
            # "Objeto será devolvido ao remetente": 4 refused, 5 not deliverable, 6 addressee unknown, 8 wrong
            # address, 10 addressee moved, 21 not attended, 26 not collected, 33 no document shown, 36 not
            # delivered, 40 import not authorised, 42 incomplete batch, 48 collection not authorised by the
            # sender, 49 dimensions, 56 customs declaration missing or wrong
            *_baixa(4, 5, 6, 8, 10, 21, 26, 33, 36, 40, 42, 48, 49, 56),
            "FC.1",  # Objeto será devolvido por solicitação do remetente
            "LDE.9",  # Objeto saiu para entrega ao remetente
        },
        Status.RETURNED_TO_SENDER: {
            *_baixa(23),  # Objeto devolvido ao remetente; recebido por
        },
        Status.EXCEPTION: {
            *_baixa(9),  # Objeto não localizado
            *_DAMAGED,  # Objeto e/ou conteúdo avariado (37: por acidente com veículo)
            *_baixa(43),  # Objeto apreendido por órgão de fiscalização ou outro órgão anuente
            *_baixa(50, 51, 52),  # Objeto roubado
            *(f"IDC.{n}" for n in range(1, 8)),  # Objeto não localizado; houve indenização
        },
    }
)

CORREIOS_SUBSTATUS: dict[str, str] = {
    **dict.fromkeys(_ADDRESS_ISSUES, "address_issue"),
    **dict.fromkeys(_baixa(54), "customs_hold"),
    **dict.fromkeys(_DAMAGED, "damaged"),
}


def event_key(tipo: str, status: str) -> str:
    """The table key of an event: its tipo and its status without leading zeros ("BDE", "01" → "BDE.1")."""
    return f"{tipo}.{int(status)}" if status.isascii() and status.isdigit() else f"{tipo}.{status}"


def status_of(key: str, description: str) -> Status:
    """The event's status. Correios writes a return that reached its sender with a delivery code
    ("Objeto entregue ao remetente"): a delivery whose text names the sender is a return, never the
    buyer's delivery."""
    status = CORREIOS_STATUS.status(key)
    if status is Status.DELIVERED and "remetente" in description.lower():
        return Status.RETURNED_TO_SENDER
    return status
