"""Prompt loading, hashing (template and partials) and strict rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from gensim.errors import UnknownNameError, UsageError
from gensim.llm.prompts import default_root, list_modes, list_prompts, load_prompt, render


def test_example_prompts_load_and_render(example_prompts: Path) -> None:
    prompt = load_prompt("demo", "propose", root=example_prompts)
    assert prompt.name == "demo/propose" and (prompt.mode, prompt.stage) == ("demo", "propose")
    assert set(prompt.partials) == {"_shared/header.j2"}
    assert len(prompt.hash) == 64
    text = render(prompt, target="build-car", known_tasks=["stack-blocks", "place-red-in-green"])
    assert "You write simulation tasks" in text  # the partial was included
    assert '"build-car"' in text and "- place-red-in-green" in text
    assert list_prompts(example_prompts) == ["demo/propose", "demo/write_code"]


def test_default_root_is_the_repo_prompts_folder() -> None:
    root = default_root()
    assert (root / "README.md").is_file()
    assert "_example" not in list_modes(root)  # underscore folders are not modes
    assert load_prompt("demo", "write_code", root=root / "_example").name == "demo/write_code"


def test_missing_variable_is_an_error_naming_it(example_prompts: Path) -> None:
    prompt = load_prompt("demo", "propose", root=example_prompts)
    with pytest.raises(UsageError, match="known_tasks"):
        render(prompt, target="build-car")


def test_unknown_mode_and_stage_name_the_closest(example_prompts: Path) -> None:
    with pytest.raises(UnknownNameError, match="did you mean demo"):
        load_prompt("dmeo", "propose", root=example_prompts)
    with pytest.raises(UnknownNameError, match="did you mean demo/write_code"):
        load_prompt("demo", "write_cod", root=example_prompts)


def test_hash_changes_with_template_and_included_partials_only(example_prompts: Path) -> None:
    before = load_prompt("demo", "propose", root=example_prompts).hash
    assert load_prompt("demo", "propose", root=example_prompts).hash == before  # stable
    (example_prompts / "_shared" / "unrelated.j2").write_text("not included anywhere\n")
    assert load_prompt("demo", "propose", root=example_prompts).hash == before
    header = example_prompts / "_shared" / "header.j2"
    header.write_text(header.read_text() + "Be concise.\n")
    after_partial = load_prompt("demo", "propose", root=example_prompts)
    assert after_partial.hash != before
    assert "Be concise." in render(after_partial, target="t", known_tasks=[])
    template = example_prompts / "demo" / "propose.j2"
    template.write_text(template.read_text().replace("one new task", "one new, simple task"))
    assert load_prompt("demo", "propose", root=example_prompts).hash not in (before, after_partial.hash)


def test_render_uses_the_hashed_text_not_later_edits(example_prompts: Path) -> None:
    prompt = load_prompt("demo", "write_code", root=example_prompts)
    (example_prompts / "demo" / "write_code.j2").write_text("changed on disk {{ task_name }}\n")
    assert render(prompt, task_name="x", description="y").startswith("You write")


def test_bad_templates_are_usage_errors(example_prompts: Path) -> None:
    (example_prompts / "demo" / "broken.j2").write_text("{% include '_shared/nope.j2' %}\n")
    with pytest.raises(UsageError, match="not found: _shared/nope.j2"):
        load_prompt("demo", "broken", root=example_prompts)
    (example_prompts / "demo" / "syntax.j2").write_text("{% if %}\n")
    with pytest.raises(UsageError, match="template error line 1"):
        load_prompt("demo", "syntax", root=example_prompts)
    with pytest.raises(UsageError, match="prompt folder not found"):
        load_prompt("demo", "propose", root=example_prompts / "missing")


def test_every_repo_prompt_loads() -> None:
    names = list_prompts()
    for name in names:
        mode, stage = name.split("/")
        prompt = load_prompt(mode, stage)
        assert prompt.name == name and len(prompt.hash) == 64
    assert len({load_prompt(*n.split("/")).hash for n in names}) == len(names)
