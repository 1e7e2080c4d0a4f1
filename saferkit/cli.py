"""The one `saferkit` command.

Sub-commands only parse arguments and call library functions. Each package owns
its commands in `<package>/commands.py`, which exposes `register(app)`; this
module only assembles them, so packages never edit each other's CLI code.
Command modules import only light things at module level so `--help` is fast.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path
from typing import Optional

import click
import typer
from rich.console import Console
from typer._click import exceptions as typer_click_exceptions

from saferkit import __version__
from saferkit.core.errors import UserError

# Packages that contribute commands, in the order their help appears.
COMMAND_MODULES = (
    "saferkit.datasets.commands",
    "saferkit.datasets.video_commands",
    "saferkit.baseline.commands",
    "saferkit.hashing.commands",
    "saferkit.hashing.video_commands",
    "saferkit.evaluation.commands",
    "saferkit.evaluation.compare_commands",
    "saferkit.ethics.commands",
    "saferkit.serving.commands",
    "saferkit.serving.scan_commands",
    "saferkit.hub_plugin.commands",
    "saferkit.rounds.commands",
)

err_console = Console(stderr=True)

app = typer.Typer(
    name="saferkit",
    help="saferkit: synthetic data, a reference triage model, hashing, evaluation, "
    "ethics gate, serving and hub publishing for child-safety AI tools. "
    "Synthetic and permitted proxy data only.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}

# Typer vendors its own copy of click; commands may raise either family.
CLICK_ERRORS = (click.exceptions.ClickException, typer_click_exceptions.ClickException)
ABORTS = (click.exceptions.Abort, typer.Abort)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"saferkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback on errors."),
    show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                      help="Print the saferkit version and exit."),
) -> None:
    """saferkit command line."""
    _state["debug"] = debug


@app.command()
def version() -> None:
    """Print the saferkit version."""
    typer.echo(f"saferkit {__version__}")


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Folder for everything the demo produces."),
    overwrite: bool = typer.Option(True, help="Replace what an earlier demo left in OUT."),
) -> None:
    """Run every pipeline stage on small synthetic data and summarise what was produced."""
    from saferkit.demo import run_demo

    run_demo(out, overwrite=overwrite)


def _register_packages() -> None:
    """Every listed module must import: a renamed or broken one fails loudly instead of losing its commands."""
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(app)


_register_packages()


def _fail(message: str, code: int) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: runs the CLI and turns user mistakes into one clear line."""
    args = list(sys.argv[1:] if argv is None else argv)
    _state["debug"] = "--debug" in args
    try:
        result = app(args=args, prog_name="saferkit", standalone_mode=False)
    except UserError as exc:
        if _state["debug"]:
            traceback.print_exc()
        _fail(str(exc), exc.exit_code)
    except ABORTS:
        _fail("aborted.", 130)
    except CLICK_ERRORS as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted.", 130)
    except Exception as exc:  # a bug, not a user mistake: say so plainly
        if _state["debug"]:
            traceback.print_exc()
            sys.exit(3)
        _fail(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)", 3)
    if isinstance(result, int) and result != 0:
        sys.exit(result)


if __name__ == "__main__":
    main()
