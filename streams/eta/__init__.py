"""Delivery estimates learned from each lane's own deliveries (`shipments.eta.v1`).

`shipment` is the shipment's side (what it tells its lanes, when it asks for an estimate), `lanes`
the lane's (`decide_lane`), `histogram` the bounded histograms and the quantiles read from them
(their docstrings describe the estimator; its settings are `streams.eta.settings`).
"""
