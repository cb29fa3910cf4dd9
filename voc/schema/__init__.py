"""The store's schema: one SQL constant per migration step (tables), the read views, and the registry of steps.

`voc.store.migrate` applies the steps a store lacks, each in a transaction, records them in
`schema_migrations`, and then (re)creates the views (`VIEWS`) from their one current definition. Never edit
a released step's tables: add a new step. (The view statements were taken out of the released steps when
`VIEWS` was introduced: stores made before at every version end with the same view SQL.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import duckdb

from voc.schema.tables import SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5, SCHEMA_V6
from voc.schema.upgrades import (SCHEMA_V8, SCHEMA_V9, SCHEMA_V10, SCHEMA_V11, SCHEMA_V12, SCHEMA_V13, SCHEMA_V14,
                                 redact_who_made_changes)
from voc.schema.views import VIEW_NAMES, VIEWS

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "VIEW_NAMES", "VIEWS", "Migration"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    data: Callable[[duckdb.DuckDBPyConnection], None] | None = None  # a step SQL cannot express, after `sql`


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", SCHEMA_V1),
    Migration(2, "themes across runs, workflow and notifications", SCHEMA_V2),
    Migration(3, "truncated comments, file imports, quarantine dedup", SCHEMA_V3),
    Migration(4, "sentiment labels, corrections and their origin", SCHEMA_V4),
    Migration(5, "web users, comment corrections, comment map", SCHEMA_V5),
    Migration(6, "themes with sub-themes, PM overrides, NPS and impact", SCHEMA_V6),
    Migration(7, "who made a change, redacted", "", redact_who_made_changes),
    Migration(8, "the fitted sentiment head, for incremental nights", SCHEMA_V8),
    Migration(9, "every sentiment correction kept, not only the latest", SCHEMA_V9),
    Migration(10, "why a theme was declined, on the event that declined it", SCHEMA_V10),
    Migration(11, "the other theme of a merge or split, on its event", SCHEMA_V11),
    Migration(12, "how each imported file was read", SCHEMA_V12),
    Migration(13, "the theme's title on each event, as shown when it happened", SCHEMA_V13),
    Migration(14, "what else a change did, with the old values, on its event", SCHEMA_V14),
]
SCHEMA_VERSION = MIGRATIONS[-1].version
