"""The `openai` and `azure` providers: the official SDK's client objects, our own retry loop.

Works with any OpenAI-compatible server (vLLM, Ollama, llama.cpp server) through a base URL;
such servers do not check keys, so a base URL without a key uses a dummy one. The SDK's own
retries are off (`max_retries=0`): we retry rate limits (429, honouring Retry-After),
timeouts, connection errors and 5xx with exponential backoff and jitter, and nothing else.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from gensim.llm.protocol import (
    ChatReply,
    ChatRequest,
    ProviderError,
    estimate_tokens,
    price_usd,
    request_hash,
)

if TYPE_CHECKING:
    from gensim.config import Settings

DUMMY_KEY = "sk-no-key-needed"  # local servers ignore the key but the SDK insists on one
PREFLIGHT_TIMEOUT_S = 5.0


class OpenAIProvider:
    """Chat completions through `openai.OpenAI` (or `openai.AzureOpenAI` when `azure=True`).

    The client is created on first use, so a missing key surfaces in `preflight` or
    `complete` as one clear `ProviderError` line rather than in the constructor.
    """

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 4,
        prices: Mapping[str, tuple[float, float]] | None = None,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        azure: bool = False,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        rng: np.random.Generator | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = "azure" if azure else "openai"
        self.model = model
        self.api_key = api_key
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self.prices = dict(prices or {})
        self.azure = azure
        self.azure_endpoint = azure_endpoint
        self.api_version = api_version
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self._rng = rng if rng is not None else np.random.default_rng()
        self._sleep = sleep
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        """Where requests go (for messages and records)."""
        if self.azure:
            return self.azure_endpoint or "(no Azure endpoint)"
        return self.base_url or "https://api.openai.com/v1"

    # Client ------------------------------------------------------------------------------
    def _config_problem(self) -> str | None:
        if self.azure:
            missing = [
                n
                for n, v in (
                    ("AZURE_OPENAI_API_KEY", self.api_key),
                    ("AZURE_OPENAI_ENDPOINT", self.azure_endpoint),
                    ("OPENAI_API_VERSION", self.api_version),
                )
                if not v
            ]
            return f"the azure provider needs {', '.join(missing)}" if missing else None
        if not self.api_key and not self.base_url:
            return (
                "no OpenAI API key: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server), or use the offline provider"
            )
        return None

    def client(self) -> Any:
        """The SDK client (created once; raises `ProviderError` when the configuration is incomplete)."""
        with self._lock:
            if self._client is None:
                problem = self._config_problem()
                if problem:
                    raise ProviderError(problem, kind="config")
                import openai

                if self.azure:
                    self._client = openai.AzureOpenAI(
                        api_key=self.api_key,
                        azure_endpoint=self.azure_endpoint or "",
                        api_version=self.api_version,
                        timeout=self.timeout_s,
                        max_retries=0,
                    )
                else:
                    self._client = openai.OpenAI(
                        api_key=self.api_key or DUMMY_KEY,
                        base_url=self.base_url,
                        timeout=self.timeout_s,
                        max_retries=0,
                    )
            return self._client

    # Protocol ----------------------------------------------------------------------------
    def preflight(self) -> None:
        """Fail fast: a missing key, or a server that cannot be reached, is one clear line.

        Lists the models with a short timeout. Any HTTP answer other than 401/403 proves the
        server is there (servers without `/models` answer 404, which is fine).
        """
        import openai

        client = self.client()
        try:
            client.with_options(timeout=min(PREFLIGHT_TIMEOUT_S, self.timeout_s)).models.list()
        except openai.AuthenticationError as err:
            raise ProviderError(
                f"{self.name} at {self.endpoint} rejected the API key ({_short(err)})", kind="config"
            ) from err
        except openai.PermissionDeniedError as err:
            raise ProviderError(
                f"{self.name} at {self.endpoint} denied access ({_short(err)})", kind="config"
            ) from err
        except openai.APIConnectionError as err:
            raise ProviderError(
                f"cannot reach the language-model server at {self.endpoint}: {_reason(err)}",
                kind="unreachable",
            ) from err
        except openai.APIStatusError:
            return
        except (openai.OpenAIError, ValueError):
            return  # an unparsable /models body still proves the server answers

    def complete(self, request: ChatRequest) -> ChatReply:
        """One chat completion, retried on rate limits, timeouts, connection errors and 5xx."""
        import openai

        client = self.client()
        start = time.perf_counter()
        last = ""
        for attempt in range(self.max_retries + 1):
            try:
                response = client.chat.completions.create(
                    model=request.model or self.model,
                    messages=[{"role": m.role, "content": m.content} for m in request.messages],
                    temperature=request.temperature,
                    max_tokens=request.max_tokens,
                )
                return self._reply(request, response, time.perf_counter() - start)
            except openai.RateLimitError as err:
                last = f"rate limited (429): {_short(err)}"
                delay = _retry_after(err)
                delay = self._backoff(attempt) if delay is None else min(delay, self.backoff_max_s)
            except openai.APITimeoutError:
                last = f"timed out after {self.timeout_s:g} s"
                delay = self._backoff(attempt)
            except openai.APIConnectionError as err:
                last = f"connection failed: {_reason(err)}"
                delay = self._backoff(attempt)
            except openai.APIStatusError as err:
                if err.status_code < 500:
                    raise ProviderError(
                        f"{request.stage}: {self.name} refused the request "
                        f"(HTTP {err.status_code}): {_short(err)}",
                        stage=request.stage,
                    ) from err
                last = f"server error (HTTP {err.status_code}): {_short(err)}"
                delay = self._backoff(attempt)
            except (openai.OpenAIError, ValueError) as err:  # ValueError: a body that is not JSON
                raise ProviderError(
                    f"{request.stage}: {self.name} gave an unusable answer: {_short(err)}",
                    stage=request.stage,
                ) from err
            if attempt < self.max_retries:
                self._sleep(delay)
        raise ProviderError(
            f"{request.stage}: {self.name} at {self.endpoint} failed after "
            f"{self.max_retries + 1} attempts: {last}",
            stage=request.stage,
        )

    # Helpers -----------------------------------------------------------------------------
    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half fixed, half random."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        return ceiling / 2 + float(self._rng.uniform(0.0, ceiling / 2))

    def _reply(self, request: ChatRequest, response: Any, latency_s: float) -> ChatReply:
        try:
            choice = response.choices[0]
            text = choice.message.content or ""
        except (AttributeError, IndexError, TypeError) as err:
            raise ProviderError(
                f"{request.stage}: {self.name} answered without a message", stage=request.stage
            ) from err
        usage = getattr(response, "usage", None)
        if usage is not None and usage.prompt_tokens is not None:
            prompt_tokens = int(usage.prompt_tokens)
            completion_tokens = int(usage.completion_tokens or 0)
        else:  # some local servers report no usage
            prompt_tokens = estimate_tokens("".join(m.content for m in request.messages))
            completion_tokens = estimate_tokens(text)
        model = getattr(response, "model", None) or request.model or self.model
        cost = price_usd(request.model or self.model, prompt_tokens, completion_tokens, self.prices)
        return ChatReply(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_s=latency_s,
            cost_usd=cost or 0.0,
            provider=self.name,
            model=model,
            cached=False,
            request_hash=request_hash(request),
            priced=cost is not None,
        )


def openai_from_settings(settings: Settings) -> OpenAIProvider:
    """The `openai` provider configured from settings (model, temperature cap, key, base URL)."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAIProvider(
        model=settings.llm_model,
        api_key=key,
        base_url=settings.openai_base_url,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        prices=settings.llm_prices,
    )


def azure_from_settings(settings: Settings) -> OpenAIProvider:
    """The `azure` provider: `llm_model` is the deployment name."""
    key = settings.azure_openai_api_key.get_secret_value() if settings.azure_openai_api_key else None
    return OpenAIProvider(
        model=settings.llm_model,
        api_key=key,
        azure_endpoint=settings.azure_openai_endpoint,
        api_version=settings.openai_api_version,
        azure=True,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        prices=settings.llm_prices,
    )


def _retry_after(err: Any) -> float | None:
    """Seconds from a Retry-After (or retry-after-ms) header, if the server sent one."""
    headers = getattr(getattr(err, "response", None), "headers", None)
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


def _reason(err: BaseException) -> str:
    """The root cause of a connection error (the SDK's own message is just 'Connection error.')."""
    cause: BaseException | None = err
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    text = str(cause or err).strip() or type(cause or err).__name__
    return _short_text(text)


def _short(err: BaseException) -> str:
    message = getattr(err, "message", None) or str(err)
    return _short_text(str(message))


def _short_text(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
