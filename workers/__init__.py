"""The processes: webhook receiver, stream worker, embedded dev stack, replay and benchmarks."""
