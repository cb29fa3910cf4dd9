"""The run summary of a nightly flow run, as lines: logged by the flow (so a Prefect server's UI shows them with the
run) and printed by `voc run`.

The flow logs them through Prefect's run logger, which sends them to the Prefect API; each record carries
`SUMMARY`, by which `voc run` keeps them off its terminal log handler, as it prints them itself as each is logged
(`flows.cli._SummaryPrinted`): what was read as soon as ingest ends.
"""

from __future__ import annotations

from pathlib import Path

from voc.agents.notify import delivery_lines
from voc.cli.common import model_shown
from voc.ingest.columns import FIELDS

SUMMARY = "voc_summary"  # the attribute a summary log record carries (`logging` `extra`)
QUARANTINE_SHOWN = 5  # reasons listed in the run summary; `voc quarantine` lists them all


def _files(n: int) -> str:
    return f"{n} file{'' if n == 1 else 's'}"


def read_counts(ing: dict) -> str:
    """'read 35 rows from 1 file (2 files skipped: same content as before): 30 new, 2 already known, 3
    quarantined'. The rows read are those of the files read, so they add up: read = new + already known +
    quarantined; a skipped file's rows are not read again."""
    same, empty = len(ing["skipped_files"]), len(ing.get("empty_files", []))
    why = [w for n, w in ((same, "same content as before"), (empty, "empty")) if n]
    if same and empty:
        why = [f"{same} same content as before", f"{empty} empty"]
    skipped = f" ({_files(same + empty)} skipped: {', '.join(why)})" if why else ""
    files = f" from {_files(ing['files_read'])}" if ing.get("files_read") or skipped else ""
    return (f"read {ing['rows_read']} rows{files}{skipped}: {ing['new']} new, {ing['already_known']} already known, "
            f"{ing['quarantined']} quarantined")


def ingest_lines(ing: dict, db: Path) -> list[str]:
    """What the night read: counts, skipped and empty files, swallowed lines, quarantine reasons, redactions."""
    lines = [f"  skipped {skipped}: same content read the same way, nothing new (--reread reads it again)"
             for skipped in ing["skipped_files"]]
    if ing.get("no_rows"):
        stay = "; the published themes stay as they were" if ing.get("published", True) else ""  # older stats: True
        lines.append(f"  {ing['no_rows']}: nothing new tonight{stay}")
    lines += [f"  skipped {empty}: the file is empty, nothing to read (export it again if it should hold comments)"
              for empty in ing.get("empty_files", [])]
    lines += [f"  {said}" for said in ing.get("swallowed", [])]
    shown = ing["quarantine_reasons"][:QUARANTINE_SHOWN]
    lines += [f"  quarantined: {reason}" for reason in shown]
    if ing["quarantined"] > len(shown):
        lines.append(f"  … {ing['quarantined'] - len(shown)} more: voc quarantine --db {db}")
    if ing.get("ignored_columns"):
        lines.append(f"  ignored columns: {ing['ignored_columns']} (voc reads {', '.join(FIELDS)}, in any case; "
                     "--map FIELD=COLUMN reads one as a field)")
    if ing.get("changed"):
        lines.append(f"  {ing['changed']} known comment(s) arrived with a different text: the stored version is kept, "
                     f"the new one quarantined (voc quarantine --db {db})")
    if ing.get("quarantine_resolved"):
        lines.append(f"  {ing['quarantine_resolved']} row(s) quarantined by earlier runs are now stored: resolved "
                     "(voc quarantine --resolved lists them)")
    if ing["truncated"]:
        lines.append(f"  {ing['truncated']} long comments stored whole; their beginning is embedded")
    if ing["redactions"]:
        lines.append("  redacted: " + ", ".join(f"{v} {k}" for k, v in ing["redactions"].items()))
    return lines


def summary_lines(summary: dict, db: Path) -> list[str]:
    """Every line of a finished run's summary, in the order `voc run` prints them."""
    return read_lines(summary["run_id"], summary["ingest"], db) + result_lines(summary)


def read_lines(run_id: int, ing: dict, db: Path) -> list[str]:
    """What the run read and quarantined (logged as soon as it is stored, so a run failing later still says it)."""
    return [f"run {run_id}: {read_counts(ing)}", *ingest_lines(ing, db)]


def result_lines(summary: dict) -> list[str]:
    """What the run made of it: embedding, themes, emerging and spiking themes, the report."""
    lines = []
    emb = summary["embed"]
    lines.append(f"embedded {emb['encoded']} new texts ({emb['cache_hits']} from cache) with "
                 f"{model_shown(emb, detail=True)}")
    lines.append(f"{summary['mode']} run ({summary['reason']}): {summary['themes']} themes over "
                 f"{summary['comments_clustered']} comments; {summary['unclustered']} "
                 f"({summary['unclustered_share']:.1%}) unclustered")
    if "distinct_texts" in summary:
        lines += no_themes_why(summary["distinct_texts"], summary["min_subtheme_size"])
    if summary["mode"] == "incremental":
        lines.append(f"  {summary['assigned']} of {summary['pool']} comments placed tonight (new ones, and earlier "
                     "unclustered ones tried again) joined existing themes; "
                     f"{summary['emerging_themes']} emerging theme(s) found among the rest")
    for key, label in (("emerging", "emerging themes"), ("spikes", "spiking themes")):
        if summary[key]:
            lines.append(f"  {label}: " + ", ".join(f"#{t}" for t in summary[key]))
    if summary.get("report"):
        lines.append(f"wrote the report to {summary['report']}")
    return lines


def no_themes_why(distinct: int, min_size: int) -> list[str]:
    """Why a full run looked for no theme at all (too few distinct texts), if it did not."""
    from voc.themes.cluster import distinct_texts_needed  # numpy and scikit-learn: only when a run was printed

    needed = distinct_texts_needed(min_size)
    if distinct < needed:
        return [f"  no themes looked for: {distinct} distinct texts (after placeholders and boilerplate are "
                f"removed), and themes need at least {needed}; see README \"How much data themes need\""]
    return []


def notification_lines(result: dict) -> list[str]:
    """What the night's sending did (`voc.pipeline.notify`): digests sent and failed per channel, or why they wait."""
    if "skipped" in result:
        return [f"notifications left queued: {result['skipped']}"]
    return delivery_lines(result)
