"""Every event type, one module per owning service."""
