"""Operations: Prometheus metrics (:mod:`.metrics`), gauges other areas provide (:mod:`.gauges`),
per-minute latency histograms persisted for the console (:mod:`.latency`), structured JSON logs
with request ids and masked personal data (:mod:`.logs`, :mod:`.masking`)."""
