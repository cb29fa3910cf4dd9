"""What every `voc` sub-command shares: the app, the consoles, the --db option, error handling."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

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


# Markup off: comments, theme names and notes are printed as written; `[/bold]` in a note is text, not a tag.
console = Console(markup=False, width=output_width(sys.stdout))
err = Console(stderr=True, markup=False, width=output_width(sys.stderr))

DbOption = typer.Option(DEFAULT_DB, "--db", help="The voc DuckDB file.", envvar="VOC_DB")


def limit_option(default: int, what: str):
    """`--limit N`: a positive number (Typer refuses 0 or less with a usage line, exit code 2)."""
    return typer.Option(default, min=1, help=f"How many {what} to show.")


def friendly(fn):
    """Turn voc's named errors into one clear line (personal data redacted) and the error's exit code."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except VocError as exc:
            err.print(f"error: {redact_text(str(exc))}", style="bold red", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
    return wrapper


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


def sentiment_summary(stats: dict | None) -> str:
    """'learned from 120 labels (80 human, 40 CSAT/NPS), hold-out accuracy 71%' (on a night that scored with a
    saved head: 'the head run 3 learned from 120 labels; the store now has 135 labels (...); hold-out ...'),
    'label-free: it agrees with the store's 2155 labels (...) 59% of the time, a head learned from them 54%
    (hold-out)' or 'label-free (12 labels, ...)'."""
    s = (stats or {}).get("sentiment") or {}
    if not s:
        return "-"
    labels = s.get("labels_human", 0) + s.get("labels_score", 0)
    counts = f"{labels} labels ({s.get('labels_human', 0)} human, {s.get('labels_score', 0)} CSAT/NPS)"
    kept = f" (kept from run {s['kept_from_run']})" if s.get("kept_from_run") is not None else ""
    acc, measured = s.get("holdout_accuracy"), s.get("holdout_run")
    by = f" (measured by run {measured})" if measured is not None and not kept else ""
    if s.get("method") == "learned":
        learned = (f"the head run {s['head_run']} learned from {s.get('labels_trained_on')} labels; the store now has "
                   f"{counts};" if s.get("head_run") is not None else f"learned from {counts},")
        return f"{learned} hold-out accuracy " + (f"{acc:.0%}{by}" if acc is not None else
                                                  "measured by full runs") + kept
    if s.get("head_beaten") and acc is not None:
        return (f"label-free: it agrees with the store's {counts} {s.get('label_free_accuracy', 0):.0%} of the time, "
                f"a head learned from them {acc:.0%} (hold-out){by}{kept}")
    if s.get("method") == "label-free":
        return f"label-free ({counts}; learning starts at {s.get('min_labels')}){kept}"
    return s.get("method", "-")
