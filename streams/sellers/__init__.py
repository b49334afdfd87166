"""Seller scorecards from the stream's own shipments (`sellers.metrics.v1`).

`shipment` is the shipment's side (an order's part in its seller's buckets, told when it changes),
`scorecard` the seller's (`decide_seller`: bounded day buckets, one scorecard a day), `hours` the
bins of the time to a first scan; `streams/sellers/README.md` describes the scorecard, its settings
and its state size.
"""
