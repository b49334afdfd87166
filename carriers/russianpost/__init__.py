"""`russianpost`: Russian Post's operation history (SOAP `getOperationHistory`), polled one barcode at a time."""
