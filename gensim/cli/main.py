"""The `gensim` console script. Sub-apps are imported here; heavy libraries only inside commands."""

from __future__ import annotations

import os
import sys
from typing import Any

from gensim import interrupts

CONSOLE = __name__ == "__main__" or os.path.basename(sys.argv[0]) == "gensim"  # not an importing test
if CONSOLE:
    interrupts.install()  # a Ctrl-C during the heavy imports says one line too

import typer  # noqa: E402
import typer.main  # noqa: E402
from typer._click.core import Context  # noqa: E402
from typer.core import TyperArgument, TyperGroup, TyperOption  # noqa: E402

from gensim.cli import config_cmd, db, demos, eval_cmd, generate, runs, tasks, train, ui  # noqa: E402
from gensim.errors import GensimError  # noqa: E402
from gensim.tasks import registry  # noqa: E402

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# Model-loading progress bars and advisories of transformers/huggingface are noise here.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

def _db_specs() -> list:
    """Admitted generated/imported tasks of the task DB, for the registry (see `admitted_specs`)."""
    from gensim.generation.library import admitted_specs

    try:
        return admitted_specs()
    except GensimError as err:  # the built-ins still work; say what is missing and why
        if not _db_warned:
            _db_warned.append(True)
            sys.stderr.write(f"warning: generated and imported tasks left out: {err}\n")
        return []


_db_warned: list[bool] = []


registry.register_source(_db_specs)

app = typer.Typer(
    name="gensim",
    help="Language models write simulation tasks as code; gensim keeps the ones that work.\n\n"
         "Examples (the README's tour; docs/walkthrough.md has a full walk):\n"
         "  gensim generate --target build-car\n"
         "  gensim tasks search \"stack blocks\"\n"
         "  gensim demos block-insertion -n 10 --split train\n"
         "  gensim train --tasks block-insertion --demos 10 --max-steps 2000\n"
         "  gensim eval --model gensim-policy:1 --tasks block-insertion --episodes 20\n"
         "  gensim ui",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(tasks.app, name="tasks")
app.add_typer(generate.app, name="generate")
app.add_typer(demos.app, name="demos")
app.add_typer(train.app, name="train")
app.add_typer(eval_cmd.app, name="eval")
app.add_typer(db.app, name="db")
app.add_typer(ui.app, name="ui")
app.add_typer(runs.app, name="runs")
app.add_typer(config_cmd.app, name="config")


def command() -> Any:
    """The click command tree of `app`, its help made to say what it means: a command without
    sub-commands shows its real usage (not `COMMAND [ARGS]...`), arguments their NAME, and flags
    no `<bool>` placeholder."""
    root = typer.main.get_command(app)

    def tidy(cmd: Any) -> None:
        helper = cmd.get_help_option(Context(cmd, help_option_names=["--help"]))
        for param in [*cmd.params, *([helper] if helper is not None else [])]:
            if isinstance(param, TyperOption) and param.is_flag:
                param.metavar = ""
            elif isinstance(param, TyperArgument) and param.metavar is None and param.name:
                param.metavar = param.name.upper()
        if isinstance(cmd, TyperGroup):
            if not cmd.commands:
                cmd.subcommand_metavar = ""
            elif getattr(cmd, "usage_metavar", None):
                cmd.subcommand_metavar = getattr(cmd, "usage_metavar")  # noqa: B009 - set by subclasses
            for sub in cmd.commands.values():
                tidy(sub)

    tidy(root)
    return root


def run() -> None:
    """Entry point: expected failures become one line on stderr and their exit code. The console
    script then ends without the interpreter's teardown (see `_exit_now`)."""
    try:
        _run()
    except SystemExit as err:
        if not CONSOLE or not (err.code is None or isinstance(err.code, int)):
            raise
        _exit_now(err.code or 0)


def _exit_now(code: int) -> None:
    """End the process as the interpreter would, less its teardown: wait for the threads it would
    wait for (`threading`'s own exit hooks first, e.g. executors' workers), run the atexit
    handlers (multiprocessing's children, logging), flush stdout and stderr, then `os._exit`.
    The teardown frees every module's objects one by one: about 0.3 s of CPU after a one-episode
    `gensim demos`, 0.9 s after `gensim eval` (torch), for nothing the command needs."""
    import atexit
    import threading

    shutdown = getattr(threading, "_shutdown", None)  # what the interpreter calls at exit
    if shutdown is not None:
        shutdown()
    else:
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more can be said
            pass
    os._exit(code)


def _run() -> None:
    interrupts.install()
    interrupts.started()
    try:
        from gensim.home import choose_for_process

        choose_for_process()
        command()(prog_name="gensim")
    except GensimError as err:
        sys.stderr.write(f"error: {err}\n")
        sys.exit(err.exit_code)
    except KeyboardInterrupt as err:
        _interrupted(err)
    except SystemExit as err:  # typer turns a KeyboardInterrupt into Exit(130): find it
        if err.code in (0, None):
            raise  # the command ended normally (`gensim ui` stops on Ctrl-C by design)
        cause = _interrupt_in(err)
        if cause is None and interrupts.received() is None:
            raise
        _interrupted(cause or KeyboardInterrupt())


def _interrupt_in(err: BaseException) -> KeyboardInterrupt | None:
    """The `KeyboardInterrupt` among the causes and contexts of `err`, if any."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, KeyboardInterrupt):
            return item
        todo += [item.__cause__, item.__context__]
    return None


def _interrupted(err: KeyboardInterrupt) -> None:
    """One line saying what was kept and how to resume, then exit 130 (SIGINT) or 143 (SIGTERM)."""
    kept = (err.kept if isinstance(err, interrupts.Interrupted)
            else "stopped before its work was stored; rerun the same command")
    if "gensim.tracking.stale" in sys.modules:  # runs opened but not ended (cut off mid-way)
        sys.modules["gensim.tracking.stale"].end_open("KILLED")
    sys.stderr.flush()
    fresh_line = "\n" if sys.stderr.isatty() else ""  # below a live progress bar
    sys.stderr.write(f"{fresh_line}interrupted: {kept}\n")
    sys.stderr.flush()
    sys.exit(interrupts.exit_code())


if __name__ == "__main__":
    run()
