"""The stream: the pure decision core (`streams.core`, `streams.rules`) and the Faust shell around it."""
