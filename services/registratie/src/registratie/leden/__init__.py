"""Members and organisations: membership over time, consent, self-service, import and erasure."""
