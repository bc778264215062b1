"""One Settings object for the API, the CLI and the workers (pydantic-settings).

Every field is read from the environment with the prefix ``LANDKONTOR_`` or from an
optional ``.env`` file in the working directory. Secrets are ``SecretStr`` so they are
masked wherever the settings are printed or logged.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MASK = "***"


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def mask_url(url: str) -> str:
    """Hide the password of a URL (``scheme://user:***@host/db``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Settings(BaseSettings):
    """Effective configuration. See the configuration table in README.md."""

    model_config = SettingsConfigDict(
        env_prefix="LANDKONTOR_", env_file=".env", extra="ignore", validate_default=True
    )

    # --- installation -----------------------------------------------------------
    var_dir: Path = Field(
        Path("var"), description="Folder for the SQLite database, logs, pid files, Redis data."
    )
    database_url: str = Field(
        "", description="SQLAlchemy URL; default sqlite:///<var_dir>/landkontor.db."
    )
    database_pool_size: int = Field(10, ge=1, description="Connection pool size (PostgreSQL).")
    database_echo: bool = Field(False, description="Log every SQL statement.")

    # --- API server -------------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address the API server binds to.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port of the API server.")
    api_workers: int = Field(1, ge=1, description="API server processes.")
    api_url: str = Field(
        "", description="URL clients use to reach the API; default http://<api_host>:<api_port>."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Allowed browser origins (JSON list)."
    )

    # --- security ---------------------------------------------------------------
    secret_key: SecretStr | None = Field(
        None,
        description="Key that signs tokens; default: generated once into <var_dir>/secret-key.",
    )
    token_expire_minutes: int = Field(60, ge=1, description="Lifetime of an access token.")
    admin_password: SecretStr | None = Field(
        None,
        description="Password of the first admin; default: generated into "
        "<var_dir>/initial-admin-password.",
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed logins of one user before logins are throttled."
    )
    login_lockout_seconds: int = Field(
        30, ge=1, description="First lockout; doubles with each further failure (max 15 min)."
    )

    # --- business -------------------------------------------------------------
    timezone: str = Field(
        "Europe/Berlin", description="Time zone of business dates (best-before, invoice year)."
    )
    default_payment_days: int = Field(
        30, ge=0, le=365, description="Days net when neither customer nor group sets terms."
    )
    purchase_over_receipt_percent: Decimal = Field(
        Decimal(5),
        ge=0,
        le=100,
        description="Goods receipts may exceed the ordered quantity by this much (weighed bulk).",
    )

    production_batch_pattern: str = Field(
        "{date:%Y%m%d}-{item_no}-{seq:02d}",
        description="Number of output batches: fields date, item_no, order (number), seq.",
    )

    # --- monitoring -------------------------------------------------------------
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token Prometheus sends to GET /metrics; when unset, /metrics "
        "answers only clients on loopback (127.0.0.1, ::1).",
    )
    metrics_business_refresh_seconds: float = Field(
        30.0,
        ge=0,
        description="How long /metrics reuses the business gauges (stock value, batches with "
        "stock, open orders) before querying them again; 0 = at every scrape.",
    )
    # --- operations: supervision, notifications (landkontor up) ---------------------
    ops_start_timeout: float = Field(
        60.0, gt=0, description="Seconds a started service has to become healthy."
    )
    ops_stop_timeout: float = Field(
        10.0, gt=0, description="Seconds between SIGTERM and kill when a service is stopped."
    )
    ops_health_interval: float = Field(
        5.0, gt=0, description="Seconds between health probes of a running service."
    )
    ops_health_timeout: float = Field(3.0, gt=0, description="Timeout of one health probe.")
    ops_unhealthy_restart_seconds: float = Field(
        60.0,
        ge=0,
        description="A running service failing its health probe this long is restarted (0: never).",
    )
    ops_restart_backoff_initial: float = Field(
        1.0, gt=0, description="Delay before the first restart of a crashed service (doubles)."
    )
    ops_restart_backoff_max: float = Field(
        30.0, gt=0, description="Longest delay between restarts of a crashing service."
    )
    ops_flap_max_crashes: int = Field(
        5, ge=1, description="Crashes within the flapping window after which a service is given up."
    )
    ops_flap_window_seconds: float = Field(
        60.0, gt=0, description="Window (seconds) in which crashes are counted for flapping."
    )
    ops_log_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, description="Size at which a service log under var/log rotates."
    )
    ops_log_backups: int = Field(5, ge=0, description="Rotated log files kept per service.")
    ops_disk_min_free_mb: int = Field(
        1024, ge=0, description="Free disk space under var/ below which doctor warns (MiB)."
    )
    notify_webhook_url: SecretStr | None = Field(
        None,
        description="URL that receives service events as JSON POST (secret: may hold a token).",
    )
    notify_email_to: list[str] = Field(
        default_factory=list, description="Recipients of service events by e-mail (JSON list)."
    )
    notify_email_from: str = Field(
        "landkontor@localhost", description="Sender address of notification e-mails."
    )
    notify_timeout: float = Field(
        10.0, gt=0, description="Timeout (seconds) of one webhook or SMTP delivery."
    )
    smtp_host: str = Field("", description="SMTP server for notification e-mails (empty: none).")
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_user: str = Field("", description="SMTP login (empty: no login).")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Use STARTTLS on the SMTP connection.")
    # --- business documents ------------------------------------------------------
    company_logo_max_bytes: int = Field(
        524288, ge=1024, le=10485760, description="Largest company logo accepted (PNG or SVG)."
    )
    # --- jobs (Celery workers on Redis) -------------------------------------------
    broker_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Redis URL of the job queue (Celery broker); a local one is started by "
        "`landkontor up`.",
    )
    flower_host: str = Field("127.0.0.1", description="Address Flower binds to.")
    flower_port: int = Field(5555, ge=1, le=65535, description="Port of Flower.")
    flower_user: str = Field("flower", min_length=1, description="Flower basic-auth user.")
    flower_password: SecretStr | None = Field(
        None,
        description="Flower basic-auth password; default: generated once into "
        "<var_dir>/flower-password. Empty means no login (only allowed on a loopback host).",
    )
    worker_metrics_host: str = Field(
        "127.0.0.1", description="Address a worker serves its Prometheus metrics on."
    )
    worker_metrics_port: int = Field(
        9808, ge=0, le=65535, description="Port of a worker's Prometheus metrics; 0 = off."
    )
    job_retention_days: int = Field(
        30, ge=1, description="Finished jobs older than this are purged (nightly)."
    )
    job_modules: list[str] = Field(
        default_factory=list,
        description="Extra Python modules with job types that workers import (JSON list).",
    )
    job_heartbeat_seconds: float = Field(
        10, gt=0, description="How often a running job and a worker report that they live."
    )
    job_stale_after_seconds: float = Field(
        60, gt=0, description="A running job without a heartbeat this long has lost its worker."
    )
    job_sweep_interval_seconds: float = Field(
        10, gt=0, description="How often the sweeper dispatches, re-queues and fails stuck jobs."
    )
    job_retry_backoff_seconds: float = Field(
        2, gt=0, description="First retry delay; doubles per attempt, with jitter."
    )
    job_retry_backoff_max_seconds: float = Field(300, gt=0, description="Longest retry delay.")
    job_progress_interval_seconds: float = Field(
        1, ge=0, description="Shortest interval between two progress writes of one job."
    )
    job_state_synchronous_commit: bool = Field(
        False,
        description="PostgreSQL: wait for the disk on every worker bookkeeping write (claim, "
        "progress, success). Off: faster; a database crash may forget the last second of "
        "them, which the sweeper repairs. Submits are always synchronous.",
    )
    job_upload_max_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="Largest file accepted for an import job."
    )

    # --- logging ----------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level of all processes."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="'json' writes one JSON object per line."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        ZoneInfo(value)  # raises for an unknown zone
        return value

    @field_validator("production_batch_pattern")
    @classmethod
    def _usable_pattern(cls, value: str) -> str:
        from datetime import date

        try:
            sample = value.format(date=date(2026, 1, 2), item_no="X", order="PA-1", seq=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"not a usable batch number pattern: {exc}") from None
        if "{seq" not in value or not sample:
            raise ValueError("the pattern needs {seq} so that numbers stay unique")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'landkontor.db'}"
        self.database_url = normalize_database_url(self.database_url)
        if not self.api_url:
            host = "127.0.0.1" if self.api_host in ("0.0.0.0", "::") else self.api_host  # noqa: S104
            self.api_url = f"http://{host}:{self.api_port}"
        return self

    # --- derived paths ----------------------------------------------------------
    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"

    def secret_values(self) -> list[str]:
        """Plain values of every secret, for masking them in log output."""
        values: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                values.append(value.get_secret_value())
        for url in self.urls_with_credentials():
            password = urlsplit(url).password
            if password:
                values.append(password)
        return values

    def urls_with_credentials(self) -> list[str]:
        return [
            value
            for name in type(self).model_fields
            if name.endswith("_url") and isinstance(value := getattr(self, name), str)
        ]

    def masked(self) -> dict[str, str]:
        """Every setting as text, secrets and URL passwords masked (for `config show`)."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                text = MASK if value.get_secret_value() else "(not set)"
            elif value is None:
                text = "(not set)"
            elif name.endswith("_url") and isinstance(value, str):
                text = mask_url(value)
            else:
                text = str(value)
            shown[name] = text
        return shown


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
