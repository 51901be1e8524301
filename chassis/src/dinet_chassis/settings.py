"""A service's settings, from the environment (12-factor); defaults fit the embedded mode."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service: str
    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias=AliasChoices("NATS_URL", "nats_url"))
    # The service's NATS user: a credentials file (JWT and seed). Empty: connect without one.
    nats_creds: str = Field("", validation_alias=AliasChoices("NATS_CREDS", "nats_creds"))
    # Only for the service that issues partner NATS users (see dinet_chassis.natsauth).
    nats_partner_issuer: str = Field(
        "", validation_alias=AliasChoices("NATS_PARTNER_ISSUER", "nats_partner_issuer")
    )
    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
    )
    smtp_url: str = Field("smtp://127.0.0.1:8025", validation_alias=AliasChoices("SMTP_URL", "smtp_url"))
    data_dir: Path = Field(Path(".dinet"), validation_alias=AliasChoices("DINET_DATA_DIR", "data_dir"))
    http_host: str = Field("127.0.0.1", validation_alias=AliasChoices("DINET_HTTP_HOST", "http_host"))
    http_port: int = Field(8080, validation_alias=AliasChoices("DINET_HTTP_PORT", "http_port"))
    public_url: str = Field("http://127.0.0.1:8000", validation_alias=AliasChoices("DINET_PUBLIC_URL", "public_url"))
    demo: bool = Field(False, validation_alias=AliasChoices("DINET_DEMO", "demo"))
    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        validation_alias=AliasChoices("DINET_SECRET_KEY", "secret_key"),
    )
    # Fault injection for the crash tests: "kill-after-commit" makes a consumer SIGKILL its own
    # process between the commit of an effect and the ack, the worst moment for duplicates.
    fault: str = Field("", validation_alias=AliasChoices("DINET_FAULT", "fault"))
    # Overrides every consumer's ack_wait (seconds); tests use a short one to see redelivery soon.
    ack_wait: int = Field(0, validation_alias=AliasChoices("DINET_ACK_WAIT", "ack_wait"))
    # Overrides every consumer's retry backoff (seconds, JSON list); tests use short ones.
    consumer_backoff: tuple[float, ...] = Field(
        (), validation_alias=AliasChoices("DINET_CONSUMER_BACKOFF", "consumer_backoff")
    )
    consumer_batch: int = Field(256, validation_alias=AliasChoices("DINET_CONSUMER_BATCH", "consumer_batch"))
    db_pool_size: int = Field(10, validation_alias=AliasChoices("DINET_DB_POOL_SIZE", "db_pool_size"))
    # Processes serving this service on one port (see runtime.run_workers). One by default: a small
    # machine runs four services, PostgreSQL and NATS on two cores, and only a CPU-bound service
    # under load gains from a second process, which costs its own memory, pool and connections.
    workers: int = Field(1, ge=1, le=32, validation_alias=AliasChoices("DINET_WORKERS", "WEB_CONCURRENCY", "workers"))
    # Copies of every stream: 1 on one server (embedded), 3 on a three-node NATS cluster.
    stream_replicas: int = Field(1, ge=1, le=5, validation_alias=AliasChoices("DINET_STREAM_REPLICAS", "stream_replicas"))

    @property
    def schema_name(self) -> str:
        return self.service
