"""`make_provider`: a provider by name, wrapped in cache, recording and metering as asked.

Providers are registered as data: a name maps to a `"module:function"` string, imported only
when that provider is asked for. The function takes the settings and returns a `Provider`.
To add one (the offline composer lives in `gensim.llm.offline`), add an entry to `PROVIDERS`
or call `register_provider`.

Stacking, inside out: provider -> cache (providers in `CACHEABLE` only) -> recording ->
metering. Recording sits outside the cache so that a session file holds every exchange,
cache hits included, and replays without a cache.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from gensim.errors import UnknownNameError, UsageError
from gensim.llm.protocol import Provider

if TYPE_CHECKING:
    from gensim.config import Settings
    from gensim.llm.accounting import Budget, Ledger

PROVIDERS: dict[str, str] = {
    "openai": "gensim.llm.openai_provider:openai_from_settings",
    "azure": "gensim.llm.openai_provider:azure_from_settings",
    "replay": "gensim.llm.replay:replay_from_settings",
    "offline": "gensim.llm.offline:from_settings",
}
# Only paid, remote models are cached: a replay is already a record, and a cached offline
# composer would keep serving answers from an older version of its code.
CACHEABLE: set[str] = {"openai", "azure"}


def register_provider(name: str, target: str, cacheable: bool = False) -> None:
    """Register (or replace) a provider: `target` is `"module:function(settings) -> Provider"`."""
    if ":" not in target:
        raise UsageError(f"provider target must be 'module:function', not '{target}'")
    PROVIDERS[name] = target
    if cacheable:
        CACHEABLE.add(name)
    else:
        CACHEABLE.discard(name)


def provider_names() -> list[str]:
    """Names accepted by `make_provider` (`auto` included)."""
    return ["auto", *sorted(PROVIDERS)]


def _factory(name: str) -> Callable[[Settings], Provider]:
    if name not in PROVIDERS:
        raise UnknownNameError("LLM provider", name, provider_names())
    module_name, func_name = PROVIDERS[name].split(":", 1)
    if importlib.util.find_spec(module_name) is None:
        available = [n for n in provider_names() if n != name]
        raise UnknownNameError(f"LLM provider (module {module_name} is not installed)", name, available)
    module = importlib.import_module(module_name)
    return cast(Callable[["Settings"], Provider], getattr(module, func_name))


def make_provider(
    settings: Settings,
    name: str | None = None,
    record: Path | str | None = None,
    replay_file: Path | str | None = None,
    use_cache: bool = True,
    *,
    ledger: Ledger | None = None,
    budget: Budget | None = None,
) -> Provider:
    """The provider `name` (default `settings.llm_provider`; `auto` -> `settings.resolved_provider`).

    `replay_file` overrides `settings.llm_replay_file` and selects `replay` (with no name,
    `auto` or `replay`; any other name is a `UsageError`); `record` appends every exchange to that session file; `use_cache` caches replies
    of remote models under `settings.cache_dir / "llm"`; with a `ledger` every reply is
    accounted and `budget` is checked before each call. Call `preflight()` before work starts.
    """
    if replay_file is not None:
        if name not in (None, "auto", "replay"):
            raise UsageError(f"a replay file is answered by the replay provider, not '{name}'")
        settings = settings.model_copy(update={"llm_replay_file": Path(replay_file)})
        name = "replay"
    chosen = name or settings.llm_provider
    if chosen == "auto":
        chosen = settings.resolved_provider
    provider: Provider = _factory(chosen)(settings)
    if use_cache and chosen in CACHEABLE:
        from gensim.llm.cache import CachedProvider

        provider = CachedProvider(provider, settings.cache_dir / "llm")
    if record is not None:
        from gensim.llm.replay import RecordingProvider

        provider = RecordingProvider(provider, Path(record))
    if ledger is not None:
        from gensim.llm.accounting import MeteredProvider

        provider = MeteredProvider(provider, ledger, budget)
    elif budget is not None:
        raise UsageError("a budget needs a ledger to count against")
    return provider
