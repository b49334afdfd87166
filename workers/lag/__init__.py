"""Consumer lag monitoring: lag in offsets and seconds, and Burrow's status, per group and partition.

- `model`: pure. The (end offset, time) lookup table and its time-lag estimate
  (kafka-lag-exporter's method), Burrow's evaluation rules over a window of samples, and
  `observe(state, snapshot) -> (state, report)`, one sampling round.
- `collector`: reads committed offsets, group assignments and end offsets with aiokafka.
- `metrics`: the report as Prometheus metrics, and the /metrics endpoint.
- `view` and `cli`: `parcelwatch lag` (a table, `--json`, `--watch`, `--serve`).
"""
