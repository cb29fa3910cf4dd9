"""What every `voc` sub-command shares: the app, the consoles, the --db option, error handling."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from voc.config import DEFAULT_DB
from voc.errors import VocError
from voc.outputs import is_stdout
from voc.text.redact import redact_text



# Help that reads as help. Typer 0.29 writes the type of every parameter after it in `--help`, a flag's too, as if
# it took a value (`--json <bool>`, `--help <bool>`; 0.28 left flags bare), and names arguments in the usage line
# in braces (`voc status [OPTIONS] {theme_id}`), which read like a template. voc's commands show a flag bare and an
# argument as THEME_ID (or [THEME_ID] when optional), as click always has. Every command and sub-app gets this
# through the root app's group class (`PlainHelpGroup`), whatever module registered it.
class _Flag(TyperOption):
    def display_type_rich(self, ctx):
        return None  # a flag takes no value: nothing to show after it


class _NamedArgument(TyperArgument):
    @property
    def display_name_raw(self) -> str:
        return self.metavar or self.name.upper()

    def _usage_display_name(self) -> str:
        name = self.display_name_raw + ("..." if self.nargs != 1 else "")
        return name if self.required else f"[{name}]"


def _plain(param):
    if type(param) is TyperOption and param.is_flag:
        param.__class__ = _Flag
    elif type(param) is TyperArgument:
        param.__class__ = _NamedArgument
    return param


class _PlainHelpCommand(TyperCommand):
    def get_params(self, ctx):
        return [_plain(p) for p in super().get_params(ctx)]


class PlainHelpGroup(TyperGroup):
    """The root app's group: it and the commands and groups it hands out show their parameters plainly (above)."""

    def get_params(self, ctx):
        return [_plain(p) for p in super().get_params(ctx)]

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if type(command) is TyperCommand:
            command.__class__ = _PlainHelpCommand
        elif type(command) is TyperGroup:
            command.__class__ = PlainHelpGroup
        return command


app = typer.Typer(help="voc: turn agent-captured customer comments into ranked themes.", no_args_is_help=True,
                  pretty_exceptions_enable=False, cls=PlainHelpGroup)
# Output that is not a terminal (a pipe, a file, a CI log) has no width to measure; rich would assume 80 columns
# and drop the columns of `voc themes` that do not fit (CSAT, NPS, trend). This is wide enough for every column
# (`voc themes --why` needs about 120) and still reads in a log.
PIPED_COLUMNS = 200


def output_width(stream) -> int | None:
    """The width to print `stream` at: None (rich measures the terminal, or reads $COLUMNS when it is set) for a
    terminal or a set $COLUMNS, else PIPED_COLUMNS."""
    if os.environ.get("COLUMNS", "").isdigit() or stream.isatty():
        return None
    return PIPED_COLUMNS


# How a command ends when the reader of its output closed the pipe (`voc themes | head`, `voc export ... --out - |
# head`): 128 + SIGPIPE, what a shell reports for any other command stopped that way (`yes | head`).
PIPE_CLOSED = 141


def reader_gone(stream=None) -> NoReturn:
    """The reader of `stream` (standard output unless told) closed it: their choice, not an error. The rest of the
    output goes to /dev/null (so no later write or the exit's flush fails again) and the command ends quietly, with
    no message, and PIPE_CLOSED."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), (stream or sys.stdout).fileno())
    except (OSError, ValueError):  # no file descriptor (a test runner's buffer): nothing to redirect
        pass
    raise typer.Exit(PIPE_CLOSED)


class _PipedConsole(Console):
    """rich's console, ending like every other voc output when the reader closes the pipe (rich exits 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        reader_gone(self.file)


# Markup off: comments, theme names and notes are printed as written; `[/bold]` in a note is text, not a tag.
console = _PipedConsole(markup=False, width=output_width(sys.stdout))
err = _PipedConsole(stderr=True, markup=False, width=output_width(sys.stderr))


def print_json(text: str) -> None:
    """A command's JSON (`text`) on standard output, indented as rich's `print_json` indents it (2 spaces, non-ASCII
    as written). Coloured at a terminal; through a pipe or into a file it is written as it is, the same bytes without
    rich's highlighting and rendering, which took 26 s and 780 MB of memory for `voc agent --format json` of an
    agent with 11,698 comments (a 300k store)."""
    if console.is_terminal:
        console.print_json(text)
        return
    try:
        console.file.write(json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n")
        console.file.flush()
    except BrokenPipeError:
        reader_gone(console.file)


# readable=False: Typer checks a Path option is readable by default, which made an unreadable store a usage box
# (exit 2); voc says it in its own line (exit 3), as every other disk refusal (voc.disk).
DbOption = typer.Option(DEFAULT_DB, "--db", help="The voc DuckDB file.", envvar="VOC_DB", readable=False)


def limit_option(default: int, what: str):
    """`--limit N`: a positive number (Typer refuses 0 or less with a usage line, exit code 2)."""
    return typer.Option(default, min=1, help=f"How many {what} to show.")


def friendly(fn):
    """Turn voc's named errors into one clear line (personal data redacted) and the error's exit code; a reader that
    closed the pipe of `--out -` ends the command quietly (`reader_gone`)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except VocError as exc:
            said(exc)
        except BrokenPipeError:
            reader_gone()
        except OSError as exc:  # a disk that refuses a write outside the store (an --out file): one line too
            from voc.disk import disk_error  # here: its import (DuckDB) is not every command's

            if (refusal := disk_error(exc)) is None:
                raise
            said(refusal)
    return wrapper


def error_line(exc: VocError) -> str:
    """A voc error as the user reads it: one line, personal data redacted."""
    return f"error: {redact_text(str(exc))}"


def said(exc: VocError) -> NoReturn:
    """Show a voc error in one line (`error_line`) and end the command with its exit code."""
    err.print(error_line(exc), style="bold red", highlight=False, soft_wrap=True)
    raise typer.Exit(exc.exit_code) from None


def voc_error_names(cls: type = VocError) -> set[str]:
    """The class names of voc's errors (`SourceError`, ...)."""
    return {cls.__name__}.union(*(voc_error_names(sub) for sub in cls.__subclasses__()))


def run_error(error: str) -> str:
    """A failed run's error as a user reads it: without the class name of a voc error ("SourceError: "), which runs
    recorded before `voc.runs.error_line` (and PM edits) put in front of the message; a bug keeps its type."""
    return re.sub(rf"^(?:{'|'.join(sorted(voc_error_names()))}): ", "", error)


def wrote(out, what: str, created: Path | None = None) -> None:
    """Say `wrote <what> to <out>` (and `(created the folder <created>)` when writing it made folders): on standard
    error when `out` is standard output, so the output stays clean."""
    made = f" (created the folder {created})" if created else ""
    (err if is_stdout(out) else console).print(f"wrote {what} to {'standard output' if str(out) == '-' else out}"
                                               f"{made}", highlight=False)


def model_shown(embed_stats: dict | None, detail: bool = False) -> str:
    """The embedding model of a run as every command shows it: the resolved short name ('use', 'minilm-int8+use'),
    the same on a full run and on a night that embedded nothing; with `detail`, the versioned id of the embedder
    that encoded, when one did ('use (use-multilingual-v3@0.2.1)')."""
    stats = embed_stats or {}
    name = stats.get("model_name") or stats.get("model") or "-"
    versioned = stats.get("model")
    return f"{name} ({versioned})" if detail and versioned and versioned != name else name


def _labels(n: int, human: int, score: int) -> str:
    """'2155 labels (0 human, 2155 CSAT/NPS)'."""
    return f"{n} labels ({human} human, {score} CSAT/NPS)"


def _measured_on(s: dict) -> str | None:
    """The labels the hold-out accuracies were measured on: "the store's 2060 labels (...)" (or "a sample of 10000
    of the store's 100000 labels (...)"), this run's, or, when an earlier full run measured them (`holdout_run`),
    those the store had then (carried in `holdout_labels*`, never this night's); None for a night recorded before
    that count was carried."""
    if s.get("holdout_run") is None:
        n, human, score = s.get("labels_trained_on"), s.get("labels_human", 0), s.get("labels_score", 0)
    elif s.get("holdout_labels") is None:
        return None
    else:
        n, human, score = s["holdout_labels"], s.get("holdout_labels_human") or 0, s.get("holdout_labels_score") or 0
    if n is None or n == human + score:
        return f"the store's {_labels(human + score, human, score)}"
    return f"a sample of {n} of the store's {_labels(human + score, human, score)}"


def sentiment_summary(stats: dict | None) -> str:
    """How a run scored sentiment, each accuracy with the labels it was measured on:
    'learned from 120 labels (80 human, 40 CSAT/NPS), hold-out accuracy 71%'; on a night that scored with a saved
    head 'the head run 3 learned from 120 labels, hold-out accuracy 71% (measured by run 3 on the store's 120
    labels (...)); the store now has 135 labels (...)'; 'label-free: it agrees with the store's 2060 labels (...)
    59% of the time, a head learned from them 54% (hold-out)' (a night after it: 'label-free: it agreed with the
    store's 2060 labels (...) 59% ..., measured by run 1; the store now has 2155 labels (...)'); or
    'label-free (12 labels, ...)'."""
    s = (stats or {}).get("sentiment") or {}
    if not s:
        return "-"
    counts = _labels(s.get("labels_human", 0) + s.get("labels_score", 0), s.get("labels_human", 0),
                     s.get("labels_score", 0))
    kept = f" (kept from run {s['kept_from_run']})" if s.get("kept_from_run") is not None else ""
    acc, by, measured_on = s.get("holdout_accuracy"), s.get("holdout_run"), _measured_on(s)
    if s.get("method") == "learned":
        head_run = s.get("head_run")
        learned = (f"the head run {head_run} learned from {s.get('labels_trained_on')} labels"
                   if head_run is not None else f"learned from {counts}")
        accuracy = f"hold-out accuracy {acc:.0%}" if acc is not None else "hold-out accuracy measured by full runs"
        if acc is not None and by is not None:
            accuracy += f" (measured by run {by}" + (f" on {measured_on})" if measured_on else ")")
        now = f"; the store now has {counts}" if head_run is not None else ""
        return f"{learned}, {accuracy}{now}{kept}"
    if s.get("head_beaten") and acc is not None:
        agrees = f"it {'agrees' if by is None else 'agreed'} with {measured_on or 'the labels the store had then'}"
        then = f", measured by run {by}; the store now has {counts}" if by is not None else ""
        return (f"label-free: {agrees} {s.get('label_free_accuracy', 0):.0%} of the time, a head learned from them "
                f"{acc:.0%} (hold-out){then}{kept}")
    if s.get("method") == "label-free":
        return f"label-free ({counts}; learning starts at {s.get('min_labels')}){kept}"
    return s.get("method", "-")
