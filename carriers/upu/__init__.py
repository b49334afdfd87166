"""`upu`: UPU EMSEVT item events; `carriers.upu.status` is the postal code table other adapters reuse."""
