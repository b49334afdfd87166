"""`sandbox`: parcelwatch's simulated carrier, for the demo, integration tests and benchmarks."""
