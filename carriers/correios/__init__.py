"""`correios`: Correios (Brazil), the SRO tracking web service `buscaEventos` (SOAP), polled."""
