"""One Settings object for the API, the CLI and the workers (pydantic-settings).

Every field is read from the environment with the prefix ``LANDKONTOR_`` or from an
optional ``.env`` file in the working directory. Secrets are ``SecretStr`` so they are
masked wherever the settings are printed or logged.

Each field carries what an operator needs when it is wrong: ``description`` (README table,
`config show`), ``examples`` and, where the type alone does not say it, ``expected``
(json_schema_extra). `landkontor.config_check` turns a validation error into one line from
them. Rules between settings: a combination that cannot work is a validation error of the
later field (so the error names a variable); one that works but is risky is a warning from
``Settings.warnings()``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from landkontor.urls import (
    BROKER_SCHEMES,
    DATABASE_SCHEMES,
    HTTP_SCHEMES,
    MASK,
    check_url,
    is_loopback_host,
    mask_url,
    normalize_database_url,
    supported,
    url_scheme,
)

__all__ = ["MASK", "Settings", "SettingsWarning", "get_settings", "mask_url"]

ENV_PREFIX = "LANDKONTOR_"
SECRET_KEY_MIN_LENGTH = 32
METRICS_TOKEN_MIN_LENGTH = 16
ADMIN_PASSWORD_LENGTH = (8, 128)  # the password rule of auth.schemas.Password

JsonList = Annotated[list[str], NoDecode]  # parsed by _json_list: a clear error, not a crash


def cpu_cores() -> int:
    """The CPU cores this process may run on (a container's or taskset's limit included)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def expect(text: str) -> dict[str, Any]:
    """Field metadata: what a valid value looks like, for error messages."""
    return {"expected": text}


@dataclass(frozen=True)
class SettingsWarning:
    """A combination of settings that works but is risky: which variable, and why."""

    variable: str
    message: str


def _same_socket(data: dict[str, Any], service: str, port: int, host: str | None) -> bool:
    """Whether ``service`` (api, flower) listens on ``port`` at an address ``host`` shares."""
    other_port, other_host = data.get(f"{service}_port"), data.get(f"{service}_host")
    if other_port != port or host is None or other_host is None:
        return False
    wildcard = ("0.0.0.0", "::", "")  # noqa: S104
    return host == other_host or host in wildcard or other_host in wildcard


class Settings(BaseSettings):
    """Effective configuration. See the configuration table in README.md."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    # --- installation -----------------------------------------------------------
    var_dir: Path = Field(
        Path("var"),
        description="Folder for the SQLite database, logs, pid files, Redis data.",
        examples=["/var/lib/landkontor"],
        json_schema_extra=expect("a folder Landkontor may read and write"),
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; default sqlite:///<var_dir>/landkontor.db.",
        examples=[DATABASE_SCHEMES["postgresql"]],
        json_schema_extra=expect("a URL of a supported database: " + supported(DATABASE_SCHEMES)),
    )
    database_pool_size: int = Field(
        10,
        ge=1,
        le=1000,
        description="Connection pool of each API process (PostgreSQL); as many again may open "
        "briefly under load (overflow).",
    )
    worker_database_pool_size: int = Field(
        2,
        ge=1,
        le=1000,
        description="Connection pool of each worker pool process (PostgreSQL; plus the same "
        "overflow, plus two bookkeeping connections: the job's and the heartbeat's).",
    )
    database_behind_pgbouncer: bool = Field(
        False,
        description="The database URL points at PgBouncer in transaction mode: no prepared "
        "statements, no session settings (job bookkeeping then commits synchronously).",
    )
    database_echo: bool = Field(False, description="Log every SQL statement.")

    # --- API server -------------------------------------------------------------
    api_host: str = Field(
        "127.0.0.1",
        min_length=1,
        description="Address the API server binds to.",
        json_schema_extra=expect("an IP address or host name to bind to"),
    )
    api_port: int = Field(
        8000,
        ge=1,
        le=65535,
        description="Port of the API server.",
        json_schema_extra=expect("a port number 1-65535"),
    )
    api_workers: int = Field(
        default_factory=cpu_cores,
        ge=1,
        le=256,
        description="API server processes; default: one per CPU core.",
    )
    api_servers: int = Field(
        1,
        ge=1,
        le=1000,
        description="API servers (hosts or containers, each with API_WORKERS processes) that "
        "share the database: doctor's connection budget.",
    )
    api_url: str = Field(
        "",
        description="URL clients use to reach the API; default http://<api_host>:<api_port>.",
        examples=["https://erp.example.de"],
        json_schema_extra=expect("an http:// or https:// URL"),
    )
    cors_origins: JsonList = Field(
        default_factory=list,
        description="Allowed browser origins (JSON list).",
        examples=['["https://erp.example.de"]'],
        json_schema_extra=expect("a JSON list of origins (scheme://host[:port])"),
    )

    # --- security ---------------------------------------------------------------
    secret_key: SecretStr | None = Field(
        None,
        description="Key that signs tokens; default: generated once into <var_dir>/secret-key.",
        examples=["the output of `openssl rand -hex 32`"],
        json_schema_extra=expect(
            f"at least {SECRET_KEY_MIN_LENGTH} characters (unset: a generated key in var/)"
        ),
    )
    token_expire_minutes: int = Field(60, ge=1, description="Lifetime of an access token.")
    auth_cache_seconds: float = Field(
        5,
        ge=0,
        le=60,
        description="How long an API process reuses a token's user (active, version, role) "
        "before reading it again; a deactivation or password change in another API process "
        "takes effect within this time (0: read on every request).",
    )
    admin_password: SecretStr | None = Field(
        None,
        description="Password of the first admin; default: generated into "
        "<var_dir>/initial-admin-password.",
        examples=["a passphrase of your own"],
        json_schema_extra=expect(
            "a password of {}-{} characters (unset: a generated one)".format(*ADMIN_PASSWORD_LENGTH)
        ),
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed logins of one user before logins are throttled."
    )
    login_lockout_seconds: int = Field(
        30, ge=1, description="First lockout; doubles with each further failure (max 15 min)."
    )

    # --- business -------------------------------------------------------------
    timezone: str = Field(
        "Europe/Berlin",
        description="Time zone of business dates (best-before, invoice year).",
        json_schema_extra=expect("an IANA time zone name"),
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
        json_schema_extra=expect("a pattern with the fields date, item_no, order and {seq}"),
    )

    # --- monitoring -------------------------------------------------------------
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token Prometheus sends to GET /metrics; when unset, /metrics "
        "answers only clients on loopback (127.0.0.1, ::1).",
        examples=["the output of `openssl rand -hex 32`"],
        json_schema_extra=expect(
            f"at least {METRICS_TOKEN_MIN_LENGTH} characters (unset: loopback clients only)"
        ),
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
        examples=["https://chat.example.de/hooks/TOKEN"],
        json_schema_extra=expect("an http:// or https:// URL (empty: no webhook)"),
    )
    notify_email_to: JsonList = Field(
        default_factory=list,
        description="Recipients of service events by e-mail (JSON list).",
        examples=['["it@example.de"]'],
        json_schema_extra=expect("a JSON list of e-mail addresses"),
    )
    notify_email_from: str = Field(
        "landkontor@localhost", description="Sender address of notification e-mails."
    )
    notify_timeout: float = Field(
        10.0, gt=0, description="Timeout (seconds) of one webhook or SMTP delivery."
    )
    smtp_host: str = Field(
        "",
        description="SMTP server for notification e-mails (empty: none).",
        examples=["mail.example.de"],
    )
    smtp_port: int = Field(
        25,
        ge=1,
        le=65535,
        description="Port of the SMTP server.",
        json_schema_extra=expect("a port number 1-65535"),
    )
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
        json_schema_extra=expect("a URL of a supported broker: " + supported(BROKER_SCHEMES)),
    )
    broker_heartbeat_seconds: float = Field(
        30,
        ge=0,
        description="RabbitMQ: AMQP heartbeat; the broker hands the unacknowledged jobs of a "
        "worker host it has not heard from for two of them to another worker (0 = off).",
    )
    flower_host: str = Field(
        "127.0.0.1",
        min_length=1,
        description="Address Flower binds to.",
        json_schema_extra=expect("an IP address or host name to bind to"),
    )
    flower_port: int = Field(
        5555,
        ge=1,
        le=65535,
        description="Port of Flower.",
        json_schema_extra=expect("a port number 1-65535 other than the API's"),
    )
    flower_user: str = Field("flower", min_length=1, description="Flower basic-auth user.")
    flower_password: SecretStr | None = Field(
        None,
        description="Flower basic-auth password; default: generated once into "
        "<var_dir>/flower-password. Empty means no login (only allowed on a loopback host).",
        examples=["the output of `openssl rand -hex 16`"],
        json_schema_extra=expect("a password (empty: no login, only on a loopback host)"),
    )
    worker_concurrency: int = Field(
        0,
        ge=0,
        le=1024,
        description="Pool processes of a worker (`landkontor worker`); 0 = one per CPU core.",
    )
    worker_nodes: int = Field(
        1,
        ge=1,
        le=1000,
        description="Worker nodes (hosts or containers, each with WORKER_CONCURRENCY pool "
        "processes) that share the database: doctor's connection budget.",
    )
    worker_metrics_host: str = Field(
        "127.0.0.1",
        min_length=1,
        description="Address a worker serves its Prometheus metrics on.",
        json_schema_extra=expect("an IP address or host name to bind to"),
    )
    worker_metrics_port: int = Field(
        9808,
        ge=0,
        le=65535,
        description="Port of a worker's Prometheus metrics; 0 = off.",
        json_schema_extra=expect("a port number 1-65535 not used by API or Flower, or 0 (off)"),
    )
    job_retention_days: int = Field(
        30, ge=1, description="Finished jobs older than this are purged (nightly)."
    )
    job_modules: JsonList = Field(
        default_factory=list,
        description="Extra Python modules with job types that workers import (JSON list).",
        examples=['["mycompany.jobs"]'],
        json_schema_extra=expect("a JSON list of Python module names"),
    )
    job_heartbeat_seconds: float = Field(
        10, gt=0, description="How often a running job and a worker report that they live."
    )
    job_stale_after_seconds: float = Field(
        60,
        gt=0,
        description="A running job without a heartbeat this long has lost its worker.",
        json_schema_extra=expect("a number of seconds well above JOB_HEARTBEAT_SECONDS"),
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

    # --- single settings ----------------------------------------------------------
    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value:
            return value  # derived from var_dir below
        check_url(value, DATABASE_SCHEMES)
        if url_scheme(value) == "sqlite" and value.split("://", 1)[1] in ("", "/", "/:memory:"):
            raise ValueError("an in-memory SQLite database would be empty in every process")
        return value

    @field_validator("broker_url")
    @classmethod
    def _supported_broker(cls, value: str) -> str:
        return check_url(value, BROKER_SCHEMES)

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value:
            check_url(value, HTTP_SCHEMES)
        return value

    @field_validator("notify_webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            try:
                check_url(value.get_secret_value(), HTTP_SCHEMES)
            except ValueError:
                raise ValueError("not an http:// or https:// URL") from None  # never echo it
        return value

    @field_validator("cors_origins", "notify_email_to", "job_modules", mode="before")
    @classmethod
    def _json_list(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            parsed = json.loads(value) if value.strip() else []
        except ValueError:
            raise ValueError("not valid JSON") from None
        if not isinstance(parsed, list):
            raise ValueError("not a JSON list")
        return parsed

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and url_scheme(origin) not in ("http", "https"):
                raise ValueError(f"{origin!r} is not an http:// or https:// origin")
        return value

    @field_validator("notify_email_to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address.strip("@"):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value

    @field_validator("secret_key")
    @classmethod
    def _strong_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < SECRET_KEY_MIN_LENGTH:
            raise ValueError("too short to sign tokens safely" if value else "empty")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _strong_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < METRICS_TOKEN_MIN_LENGTH:
            raise ValueError("too short to guard /metrics" if value else "empty")
        return value

    @field_validator("admin_password")
    @classmethod
    def _usable_password(cls, value: SecretStr | None) -> SecretStr | None:
        low, high = ADMIN_PASSWORD_LENGTH
        if value is not None and not low <= len(value.get_secret_value()) <= high:
            raise ValueError("empty" if not value else f"{len(value)} characters")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
        return value

    @field_validator("production_batch_pattern")
    @classmethod
    def _usable_pattern(cls, value: str) -> str:
        from datetime import date

        try:
            sample = value.format(date=date(2026, 1, 2), item_no="X", order="PA-1", seq=1)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
            raise ValueError(f"not a usable batch number pattern: {exc}") from None
        if "{seq" not in value or not sample:
            raise ValueError("the pattern needs {seq} so that numbers stay unique")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    # --- settings that cannot work together (the error names the later one) ------------
    @field_validator("flower_port")
    @classmethod
    def _flower_port_free(cls, value: int, info: ValidationInfo) -> int:
        if _same_socket(info.data, "api", value, info.data.get("flower_host")):
            raise ValueError(f"the API uses port {value} already (LANDKONTOR_API_PORT)")
        return value

    @field_validator("flower_password")
    @classmethod
    def _flower_login(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        host = info.data.get("flower_host")
        if value is not None and not value.get_secret_value() and host is not None:  # noqa: SIM102
            if not is_loopback_host(host):
                raise ValueError(
                    f"empty means no login, but Flower binds to {host} (LANDKONTOR_FLOWER_HOST),"
                    " which other machines reach"
                )
        return value

    @field_validator("worker_metrics_port")
    @classmethod
    def _metrics_port_free(cls, value: int, info: ValidationInfo) -> int:
        host = info.data.get("worker_metrics_host")
        for service in ("api", "flower"):
            if value and _same_socket(info.data, service, value, host):
                variable = f"{ENV_PREFIX}{service.upper()}_PORT"
                raise ValueError(f"the {service} uses port {value} already ({variable})")
        return value

    @field_validator("job_stale_after_seconds")
    @classmethod
    def _stale_after_heartbeat(cls, value: float, info: ValidationInfo) -> float:
        heartbeat = info.data.get("job_heartbeat_seconds")
        if heartbeat is not None and value <= heartbeat:
            raise ValueError(
                f"jobs report every {heartbeat:g} s (LANDKONTOR_JOB_HEARTBEAT_SECONDS); living "
                "jobs would count as lost"
            )
        return value

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'landkontor.db'}"
        self.database_url = normalize_database_url(self.database_url)
        if not self.api_url:
            host = "127.0.0.1" if self.api_host in ("0.0.0.0", "::") else self.api_host  # noqa: S104
            self.api_url = f"http://{host}:{self.api_port}"
        return self

    # --- settings that work together but are risky ----------------------------------
    def warnings(self) -> list[SettingsWarning]:
        """Risky combinations, each with the variable to change and why."""
        found: list[SettingsWarning] = []
        if not is_loopback_host(self.api_host) and url_scheme(self.api_url) != "https":
            # "Behind a proxy" = clients reach the API through an https:// URL, i.e. a TLS
            # reverse proxy in front of the plain-HTTP server (uvicorn trusts its
            # X-Forwarded-* headers from FORWARDED_ALLOW_IPS, default 127.0.0.1).
            found.append(
                SettingsWarning(
                    f"{ENV_PREFIX}API_URL",
                    f"the API binds to {self.api_host} (LANDKONTOR_API_HOST), reachable from "
                    f"other machines, but clients use {self.api_url}: passwords and tokens "
                    "travel unencrypted. Put a TLS reverse proxy in front and set "
                    "LANDKONTOR_API_URL=https://…, or bind 127.0.0.1",
                )
            )
        if self.notify_email_to and not self.smtp_host:
            found.append(
                SettingsWarning(
                    f"{ENV_PREFIX}SMTP_HOST",
                    "LANDKONTOR_NOTIFY_EMAIL_TO names recipients, but no SMTP server is set: "
                    "no e-mail will be sent; set LANDKONTOR_SMTP_HOST, e.g. mail.example.de",
                )
            )
        for first, longest in (
            ("ops_restart_backoff_initial", "ops_restart_backoff_max"),
            ("job_retry_backoff_seconds", "job_retry_backoff_max_seconds"),
        ):
            if getattr(self, first) > getattr(self, longest):
                found.append(
                    SettingsWarning(
                        ENV_PREFIX + first.upper(),
                        f"longer than {ENV_PREFIX + longest.upper()} "
                        f"({getattr(self, longest):g}), which caps it",
                    )
                )
        return found

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
