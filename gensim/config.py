"""Settings, resolved from `GENSIM_*` environment variables (and the usual OpenAI variables).

Everything lives under one home folder (`GENSIM_HOME`, else the nearest `.gensim` in the current
folder or above, else a new one here: see `gensim.home`): the SQLite task
database, the MLflow tracking store (SQLite) and its artifacts, the faiss index, datasets,
checkpoints, the LLM cache and the code cache. Each of these can be pointed elsewhere (a
PostgreSQL URL for the database, an MLflow server URL for tracking) for team-scale use.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from gensim.home import announce_if_new, find_home, looking_only

# USD per 1M tokens (prompt, completion). Unknown models cost 0 and are reported as such.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.5, 10.0),
    "gpt-4o-mini": (0.15, 0.6),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "gpt-4-turbo": (10.0, 30.0),
    "gpt-4": (30.0, 60.0),
    "gpt-3.5-turbo": (0.5, 1.5),
}


class Settings(BaseSettings):
    """gensim's resolved settings. Every field can be set with `GENSIM_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="GENSIM_", extra="ignore", populate_by_name=True)

    home: Path = Field(default_factory=lambda: find_home().path,
                       description="home folder of all local state (default: see gensim.home)")
    database_url: str | None = Field(
        None, description="task database URL (SQLAlchemy); default SQLite file in the home folder"
    )
    mlflow_tracking_uri: str | None = Field(
        None, description="MLflow tracking URI; default a SQLite store in the home folder"
    )
    mlflow_artifact_root: str | None = Field(
        None, description="where new MLflow experiments keep artifacts; default home/mlartifacts"
    )
    llm_provider: str = Field(
        "auto", description="offline | openai | azure | replay | auto (openai if a key or base URL is set)"
    )
    llm_model: str = Field("gpt-4o", description="model name sent to the provider")
    llm_temperature: float = Field(0.2, description="sampling temperature (unitless)")
    llm_max_tokens: int = Field(4096, description="completion token cap per call (tokens)")
    llm_timeout_s: float = Field(120.0, description="per-request timeout (seconds)")
    llm_max_retries: int = Field(4, description="retries on rate limits, timeouts and 5xx")
    llm_replay_file: Path | None = Field(None, description="recorded session for the replay provider")
    llm_prices: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES),
        description="USD per 1M tokens (prompt, completion) by model",
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("GENSIM_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("GENSIM_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    azure_openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("GENSIM_AZURE_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")
    )
    azure_openai_endpoint: str | None = Field(
        None, validation_alias=AliasChoices("GENSIM_AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_ENDPOINT")
    )
    openai_api_version: str | None = Field(
        None, validation_alias=AliasChoices("GENSIM_OPENAI_API_VERSION", "OPENAI_API_VERSION")
    )
    sandbox_bwrap: str = Field(
        "bwrap", description="bubblewrap executable (name or path) that confines untrusted task code")
    sandbox_warm: bool = Field(
        True, description="check task code in warm sandboxes (bwrap started once, a fresh forked child "
        "per job; see gensim/sandbox/pool.py); false starts bwrap and the interpreter for every job")
    workers: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        description="worker processes for validation and demos",
    )

    # Derived locations -------------------------------------------------------------------
    @property
    def home_dir(self) -> Path:
        """The home folder; a new home chosen at start-up is created (and announced) on first use."""
        path = self.home.expanduser().resolve()
        announce_if_new(path)
        return path

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'gensim.db'}"

    @property
    def tracking_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.home_dir / 'mlflow.db'}"

    @property
    def artifact_root(self) -> str:
        """Where new experiments keep artifacts. With an MLflow server, the server's own artifact
        store (`mlflow-artifacts:/`), so that no client's local disk becomes the shared location."""
        if self.mlflow_artifact_root:
            return self.mlflow_artifact_root
        if self.tracking_uri.startswith(("http://", "https://")):
            return "mlflow-artifacts:/"
        return (self.home_dir / "mlartifacts").as_uri()

    @property
    def index_dir(self) -> Path:
        return self.home_dir / "index"

    @property
    def datasets_dir(self) -> Path:
        return self.home_dir / "datasets"

    @property
    def checkpoints_dir(self) -> Path:
        return self.home_dir / "checkpoints"

    @property
    def cache_dir(self) -> Path:
        return self.home_dir / "cache"

    @property
    def code_cache_dir(self) -> Path:
        return self.home_dir / "code"

    @property
    def resolved_provider(self) -> str:
        """The provider in force: `auto` means openai when a key or base URL is set, else offline."""
        if self.llm_provider != "auto":
            return self.llm_provider
        if self.azure_openai_endpoint and self.azure_openai_api_key:
            return "azure"
        if self.openai_api_key or self.openai_base_url:
            return "openai"
        return "offline"

    def masked(self) -> dict[str, Any]:
        """All settings, derived locations included, with secrets masked (for `gensim config`)."""
        with looking_only():
            return self._masked()

    def _masked(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                secret = value.get_secret_value()
                value = (secret[:3] + "..." + secret[-2:]) if len(secret) > 8 else "***"
            elif isinstance(value, Path):
                value = str(value)
            out[name] = value
        out.update(
            home_dir=str(self.home_dir),
            db_url=_mask_url(self.db_url),
            tracking_uri=_mask_url(self.tracking_uri),
            artifact_root=self.artifact_root,
            resolved_provider=self.resolved_provider,
        )
        if self.database_url:
            out["database_url"] = _mask_url(self.database_url)
        if self.mlflow_tracking_uri:
            out["mlflow_tracking_uri"] = _mask_url(self.mlflow_tracking_uri)
        return out


def _mask_url(url: str) -> str:
    """Hide the password in `scheme://user:password@host/...`."""
    if "://" in url and "@" in url.split("://", 1)[1]:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            user = creds.split(":", 1)[0]
            return f"{scheme}://{user}:***@{host}"
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests call `get_settings.cache_clear()`)."""
    return Settings()
