"""`cainiao`: Cainiao's global tracking answer (global.cainiao.com), polled in batches."""
