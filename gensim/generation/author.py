"""The provider's side of a campaign: prompts in, proposals, code and critiques out.

Each method renders the mode's prompt for its stage, asks the provider, parses the reply and
appends the exchange to the candidate's conversation. The same metadata goes to every provider
(a rule-based one answers from it; a model reads the same facts in the prompt text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gensim.errors import GensimError
from gensim.llm import parsing
from gensim.llm.prompts import Prompt, load_prompt, render
from gensim.llm.protocol import ChatRequest, Provider

SYSTEM = (
    "You are an expert in robot learning who writes simulation tasks as Python code in the "
    "CLIPort/Ravens task convention. Follow the instructions exactly."
)


@dataclass
class Author:
    """Talks to one provider for one campaign."""

    provider: Provider
    mode: str
    model: str
    temperature: float
    max_tokens: int
    seed: int
    context: dict[str, Any]  # shared prompt context: colours, assets

    def prompt(self, stage: str) -> Prompt:
        mode = self.mode if stage != "critic" else self.mode
        return load_prompt(mode, stage)

    def ask(self, stage: str, prompt_stage: str, log: list[dict[str, Any]] | None,
            prompts: dict[str, str] | None, meta: dict[str, Any], **ctx: Any) -> str:
        """Render, ask, record; returns the reply text (ProviderError propagates)."""
        prompt = self.prompt(prompt_stage)
        text = render(prompt, **self.context, **ctx)
        request = ChatRequest.create(
            stage, [("system", SYSTEM), ("user", text)], model=self.model,
            temperature=self.temperature, max_tokens=self.max_tokens,
            metadata={"mode": self.mode, "seed": self.seed, **meta},
        )
        reply = self.provider.complete(request)
        if prompts is not None:
            prompts[prompt.name] = prompt.hash
        if log is not None:
            log.append({
                "stage": stage, "prompt": prompt.name, "prompt_hash": prompt.hash, "request": text,
                "reply": reply.text, "tokens": [reply.prompt_tokens, reply.completion_tokens],
                "cost_usd": reply.cost_usd, "latency_s": round(reply.latency_s, 3), "cached": reply.cached,
            })
        return reply.text

    # Stages -------------------------------------------------------------------------------
    def plan(self, target: str, target_description: str, log: list[dict[str, Any]]) -> dict[str, Any]:
        text = self.ask("plan", "plan", log, None, {"target": target}, target=target,
                        target_description=target_description)
        doc = parsing.extract_json(text)
        if not isinstance(doc.get("tasks", []), list):
            raise parsing.ParseError("the plan's 'tasks' is not a list")
        return doc

    def propose(self, trial: int, library: list[dict[str, str]], taken: list[str],
                log: list[dict[str, Any]], prompts: dict[str, str]) -> dict[str, Any]:
        text = self.ask("propose", "propose", log, prompts, {"trial": trial, "taken": sorted(taken)},
                        library=library)
        return check_proposal(parsing.extract_json(text))

    def write(self, trial: int, proposal: dict[str, Any], examples: list[dict[str, Any]],
              log: list[dict[str, Any]], prompts: dict[str, str]) -> str:
        text = self.ask("write_code", "write_code", log, prompts,
                        {"trial": trial, "round": 0, "proposal": proposal},
                        proposal=proposal, examples=examples)
        return parsing.extract_code(text)

    def write_vanilla(self, trial: int, examples: list[dict[str, Any]], log: list[dict[str, Any]],
                      prompts: dict[str, str], taken: list[str]) -> tuple[dict[str, Any], str]:
        """Vanilla mode: one prompt gives both the proposal and the code."""
        text = self.ask("write_code", "write_code", log, prompts,
                        {"trial": trial, "round": 0, "taken": sorted(taken)}, examples=examples)
        return check_proposal(parsing.extract_json(text)), parsing.extract_code(text)

    def repair(self, trial: int, round_: int, proposal: dict[str, Any], code: str | None,
               error: dict[str, Any], history: list[dict[str, Any]], log: list[dict[str, Any]],
               prompts: dict[str, str]) -> str:
        meta = {"trial": trial, "round": round_, "proposal": proposal, "error": error, "history": history}
        text = self.ask("repair", "repair", log, prompts, meta, proposal=proposal, code=code or "",
                        error=error, history=history[:-1])
        return parsing.extract_code(text)

    def critic(self, trial: int, proposal: dict[str, Any], code: str, successes: int, n_seeds: int,
               log: list[dict[str, Any]], prompts: dict[str, str]) -> tuple[bool, str]:
        text = self.ask("critic", "critic", log, prompts, {"trial": trial, "proposal": proposal},
                        proposal=proposal, code=code, successes=successes, n_seeds=n_seeds)
        doc = parsing.extract_json(text)
        accept = doc.get("accept", doc.get("verdict"))
        if isinstance(accept, str):
            accept = accept.strip().lower() in ("accept", "yes", "true", "keep")
        if not isinstance(accept, bool):
            raise parsing.ParseError("the critique has no boolean 'accept'")
        return accept, str(doc.get("reason", ""))


def check_proposal(doc: dict[str, Any]) -> dict[str, Any]:
    """A proposal needs a kebab-case name and a description; names are normalised."""
    import re

    name = str(doc.get("name") or doc.get("task-name") or doc.get("task_name") or "").strip()
    name = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not name:
        raise parsing.ParseError("the proposal has no task name")
    description = str(doc.get("description") or doc.get("task-description") or "").strip()
    if not description:
        raise parsing.ParseError("the proposal has no description")
    assets = doc.get("assets") or doc.get("assets-used") or []
    out = dict(doc)
    out.update(name=name[:100], description=description, assets=[str(a) for a in assets] if isinstance(assets, list) else [])
    return out


def is_provider_failure(err: BaseException) -> bool:
    """Provider errors (and budget stops) are stage `api`, never a code failure."""
    from gensim.llm.protocol import ProviderError

    return isinstance(err, ProviderError) or (isinstance(err, GensimError) and type(err).__name__ == "BudgetExceeded")
