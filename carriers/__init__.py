"""Carrier adapters: one folder per carrier, discovered by `carriers.base.registry`."""
