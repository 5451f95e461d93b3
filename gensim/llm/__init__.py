"""Language models: the provider protocol, providers, prompts, reply parsing, cache, accounting.

Typical use by the pipeline::

    provider = make_provider(settings, ledger=ledger, budget=budget)
    provider.preflight()                      # one clear line if a key or server is missing
    prompt = load_prompt(mode, "write_code")
    request = ChatRequest.create("write_code", [("user", render(prompt, **ctx))],
                                 model=provider.model, temperature=settings.llm_temperature,
                                 max_tokens=settings.llm_max_tokens,
                                 metadata={"mode": mode, "target": target, "seed": seed})
    code = extract_code(provider.complete(request).text)

A provider is anything with `name`, `model`, `complete(request) -> ChatReply` and
`preflight()`. Rule-based providers (the offline composer) read `request.stage` and
`request.metadata` and answer with `ChatReply.local(...)`. Metadata keys starting with `_`
are not hashed (put run ids there); all other keys are (see `gensim.llm.protocol`).

Importing this package imports neither the openai SDK nor jinja2.
"""

from __future__ import annotations

from gensim.llm.accounting import Budget, BudgetExceeded, Ledger, MeteredProvider
from gensim.llm.factory import PROVIDERS, make_provider, provider_names, register_provider
from gensim.llm.parsing import ParseError, extract_code, extract_json, task_class_name
from gensim.llm.prompts import Prompt, load_prompt, render
from gensim.llm.protocol import (
    ChatMessage,
    ChatReply,
    ChatRequest,
    Provider,
    ProviderError,
    request_hash,
)

__all__ = [
    "PROVIDERS",
    "Budget",
    "BudgetExceeded",
    "ChatMessage",
    "ChatReply",
    "ChatRequest",
    "Ledger",
    "MeteredProvider",
    "ParseError",
    "Prompt",
    "Provider",
    "ProviderError",
    "extract_code",
    "extract_json",
    "load_prompt",
    "make_provider",
    "provider_names",
    "register_provider",
    "render",
    "request_hash",
    "task_class_name",
]
