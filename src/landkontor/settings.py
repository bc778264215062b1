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
