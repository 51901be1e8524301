"""meldingen's use cases, one module per area (see the service's README)."""
