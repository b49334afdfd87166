"""`yanwen`: Yanwen (燕文物流) tracking answers, polled in batches."""
