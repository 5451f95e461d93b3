"""Prompt templates: Jinja2 files under `gensim/prompts/` (package data), versioned by content hash.

Layout: `<mode>/<stage>.j2`, shared partials in `_shared/` (folders starting
with `_` are not modes). A prompt's hash is the sha256 of its template text and of every
partial it includes (recursively); it is the version id recorded with each generated task.
Rendering uses exactly the texts that were hashed, with `StrictUndefined`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gensim.errors import UnknownNameError, UsageError

SUFFIX = ".j2"


@dataclass(frozen=True)
class Prompt:
    """A loaded template: `name` is `<mode>/<stage>`, `hash` its version id."""

    name: str
    text: str
    hash: str
    partials: dict[str, str] = field(default_factory=dict)  # included template name -> text
    root: Path | None = None

    @property
    def mode(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def stage(self) -> str:
        return self.name.split("/", 1)[1]


def default_root() -> Path:
    """The `prompts/` folder shipped inside the package (editable install and wheel alike)."""
    return Path(__file__).resolve().parent.parent / "prompts"


def _root(root: Path | str | None) -> Path:
    path = Path(root) if root is not None else default_root()
    if not path.is_dir():
        raise UsageError(f"prompt folder not found: {path}")
    return path


def list_modes(root: Path | str | None = None) -> list[str]:
    """The prompt modes (sub-folders not starting with `_` or `.`)."""
    base = _root(root)
    return sorted(p.name for p in base.iterdir() if p.is_dir() and p.name[0] not in "_.")


def list_prompts(root: Path | str | None = None) -> list[str]:
    """All prompt names, `<mode>/<stage>`."""
    base = _root(root)
    return [
        f"{mode}/{p.name[: -len(SUFFIX)]}"
        for mode in list_modes(base)
        for p in sorted((base / mode).glob(f"*{SUFFIX}"))
    ]


def load_prompt(mode: str, stage: str, root: Path | str | None = None) -> Prompt:
    """Load `<root>/<mode>/<stage>.j2` with its partials; unknown names raise `UnknownNameError`."""
    base = _root(root)
    modes = list_modes(base)
    if mode not in modes:
        raise UnknownNameError("prompt mode", mode, modes)
    name = f"{mode}/{stage}"
    path = base / mode / f"{stage}{SUFFIX}"
    if not path.is_file():
        raise UnknownNameError("prompt", name, list_prompts(base))
    text = path.read_text(encoding="utf-8")
    partials = _partials(base, name, text)
    digest = hashlib.sha256()
    for part_name, part_text in [(name, text), *sorted(partials.items())]:
        digest.update(part_name.encode("utf-8") + b"\0" + part_text.encode("utf-8") + b"\0")
    return Prompt(name=name, text=text, hash=digest.hexdigest(), partials=partials, root=base)


def _partials(base: Path, name: str, text: str) -> dict[str, str]:
    """Every template included, imported or extended from `text`, recursively, by name."""
    import jinja2
    from jinja2 import meta

    env = jinja2.Environment()
    found: dict[str, str] = {}
    pending = [(name, text)]
    while pending:
        current, source = pending.pop()
        try:
            refs = meta.find_referenced_templates(env.parse(source))
        except jinja2.TemplateSyntaxError as err:
            raise UsageError(f"prompt {current}: template error line {err.lineno}: {err.message}") from err
        for ref in refs:
            if ref is None:
                raise UsageError(f"prompt {current}: includes must name a fixed template")
            if ref in found:
                continue
            path = base / ref
            if not path.is_file():
                raise UsageError(f"prompt {current}: included template not found: {ref}")
            found[ref] = path.read_text(encoding="utf-8")
            pending.append((ref, found[ref]))
    return found


def render(prompt: Prompt, **context: Any) -> str:
    """Render the prompt with `context`; a missing variable is a `UsageError` naming it."""
    import jinja2

    templates = {prompt.name + SUFFIX: prompt.text, **prompt.partials}
    env = jinja2.Environment(
        loader=jinja2.DictLoader(templates),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # prompts are plain text, not HTML
    )
    try:
        return env.get_template(prompt.name + SUFFIX).render(**context)
    except jinja2.UndefinedError as err:
        raise UsageError(f"prompt {prompt.name}: {err.message}") from err
    except jinja2.TemplateError as err:
        raise UsageError(f"prompt {prompt.name}: {err}") from err
