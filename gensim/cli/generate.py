"""`gensim generate`: a generation campaign (vanilla, bottom-up, top-down, top-down with a curriculum)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer

from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE, train_seeds
from gensim.cli.common import console, native_stderr_filtered, print_json

app = typer.Typer()


@app.callback(invoke_without_command=True)
def generate(
    mode: str = typer.Option("topdown-cot", help="vanilla | bottomup | topdown | topdown-cot"),
    target: str = typer.Option(None, help="target task name for the top-down modes, e.g. build-car"),
    trials: int = typer.Option(8, help="candidates at most"),
    workers: int = typer.Option(None, help="candidates checked at once (default: the core count)"),
    seeds: int = typer.Option(len(CHECK_SEEDS), help="distinct seeds of the expert check"),
    threshold: float = typer.Option(SUCCESS_RATE, help="minimum expert success rate"),
    repair_rounds: int = typer.Option(2, "--repair-rounds", help="repairs after a failed check"),
    few_shot: int = typer.Option(3, "--few-shot", help="retrieved examples per prompt"),
    llm: str = typer.Option(None, help="provider: offline | openai | azure | replay (default: settings)"),
    model: str = typer.Option(None, help="model name (default: settings)"),
    temperature: float = typer.Option(None, help="sampling temperature"),
    seed: int = typer.Option(0, help="campaign seed"),
    max_cost: float = typer.Option(None, "--max-cost", help="stop cleanly at this spend (USD)"),
    max_tokens: int = typer.Option(None, "--max-tokens", help="stop cleanly at this many tokens"),
    record: Path = typer.Option(None, help="record every model exchange to this session file"),
    replay: Path = typer.Option(None, help="answer from this recorded session file"),
    resume: bool = typer.Option(False, help="resume the latest unfinished campaign of this mode and target"),
    no_media: bool = typer.Option(False, "--no-media", help="skip the PNG/GIF of admitted tasks"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress output"),
) -> None:
    """Run a generation campaign: a model writes tasks, gensim keeps the ones that work.

    Modes: vanilla, bottomup (new tasks w.r.t. the library), topdown and topdown-cot (toward a
    target, with a curriculum of stepping stones). Without an API key the offline composer
    plays the model (set OPENAI_API_KEY or OPENAI_BASE_URL for a real one).

    Examples:
      gensim generate --target build-car
      gensim generate --mode bottomup --trials 10 --json
      gensim generate --mode topdown --target build-house --llm openai --model gpt-4o
    """
    from gensim.config import get_settings
    from gensim.generation.campaign import CampaignConfig, check_config, run_campaign
    from gensim.generation.progress import CampaignProgress, print_summary

    settings = get_settings()
    if seeds < 1:
        from gensim.errors import UsageError

        raise UsageError("--seeds must be at least 1")
    from gensim.generation.campaign import MODES

    if mode not in MODES:  # before the progress bar starts: bad input gets one line only
        from gensim.errors import UnknownNameError

        raise UnknownNameError("generation mode", mode, MODES)
    cfg = CampaignConfig(
        mode=mode, target=target, trials=trials, workers=workers or settings.workers,
        seeds=tuple(train_seeds(seeds)), threshold=threshold, repair_rounds=repair_rounds,
        few_shot=few_shot, seed=seed, llm=llm, model=model, temperature=temperature,
        max_cost=max_cost, max_tokens=max_tokens, record=str(record) if record else None,
        replay=str(replay) if replay else None, resume=resume, media=not no_media,
    )
    check_config(cfg)  # before the progress bar: bad input gets one line only
    with native_stderr_filtered() if quiet else nullcontext(), \
            CampaignProgress(cfg, enabled=not (quiet or json_out)) as progress:
        result = run_campaign(cfg, settings, on_event=progress.event, defer_tracking=True)
        if result.admitted:  # the next `gensim tasks search` does not embed the library first
            from gensim.retrieval.adapters import refresh_index

            if not (quiet or json_out):
                console.print(f"indexing the library for search ({len(result.admitted)} new tasks)...",
                              highlight=False)
            try:
                refresh_index()
            except Exception as err:  # noqa: BLE001 - the search builds it itself when it runs
                console.print(f"search index not refreshed ({type(err).__name__}); `gensim tasks search` "
                              "will build it", highlight=False)
    if json_out:
        doc = result.to_json()
        doc.pop("details", None)
        print_json(doc)
    elif not quiet:
        print_summary(result, console)
