"""Named errors. The library raises these; the CLI turns each into one line and an exit code.

Every message says what is wrong and what to do next. A message is redacted and without control characters from the
moment the error is built: it quotes what it was given (a file name, a column, a value DuckDB quoted), and it goes
further than voc's own edges (Prefect keeps a failed task's and flow's message in its database and its UI).
"""


def clean_message(message: str) -> str:
    """An error message as it may be kept and shown anywhere: control characters removed, personal data redacted,
    also in the name of a file it quotes ("Kunde_Müller.csv")."""
    from voc.ingest.naming import without_named_files  # here: keeps `voc.errors` quick to import
    from voc.text.escape import without_controls
    from voc.text.redact import redact_text

    return without_named_files(redact_text(without_controls(message)))


class VocError(Exception):
    """Base class for every error voc reports to a user."""

    exit_code = 1

    def __init__(self, *args):
        super().__init__(*(clean_message(a) if isinstance(a, str) else a for a in args))


class SourceError(VocError):
    """An input source cannot be read: missing, empty, wrong columns or encoding."""

    exit_code = 2


class ConfigError(VocError):
    """A setting or option has a value voc cannot use."""

    exit_code = 2


class StoreLockedError(VocError):
    """Another process holds the DuckDB file."""

    exit_code = 3


class RunInProgressError(VocError):
    """Another voc run holds the store's run lock (one writer per store)."""

    exit_code = 3


class SendInProgressError(RunInProgressError):
    """Another `voc notify` (or a run's own sending) is sending this store's digests: a second would send each again."""


class SchemaTooNewError(VocError):
    """The DuckDB file was written by a newer voc."""

    exit_code = 3


class StoreError(VocError):
    """The DuckDB file cannot be opened or is not a voc store."""

    exit_code = 3


class NoResultsError(StoreError):
    """The store has no published run yet: the same words from every command and page that reads results."""

    def __init__(self):
        super().__init__("no published results yet: run `voc run --source ...` or `voc demo` first")


class ModelError(VocError):
    """The embedding model cannot be loaded."""

    exit_code = 4


class NothingToDoError(VocError):
    """A stage got no usable input (for example, every row was quarantined)."""

    exit_code = 5


class NotFoundError(VocError):
    """A theme or agent the user named does not exist in the published results."""

    exit_code = 6


class ThemeNotFoundError(NotFoundError):
    """A theme id the published results do not have: the same words from every command and page."""

    def __init__(self, theme_id: int):
        super().__init__(f"no theme {theme_id} in the published results (it may have been merged into another); "
                         "see `voc themes` or the themes page for the ids")
        self.theme_id = theme_id


class TransitionError(VocError):
    """A workflow change that is not allowed (for example new -> done, or declined without a reason)."""

    exit_code = 7


class StaleChangeError(TransitionError):
    """A change made from a page of a theme that someone changed since the page was loaded: refused, so nobody's
    change is replaced without them seeing it."""


class DeliveryError(VocError):
    """A notification channel refused or could not be reached; the notification stays queued."""

    exit_code = 8


class AccessError(VocError):
    """A caller asked for data it may not see (for example another agent's comments)."""

    exit_code = 9


class DamagedStoreError(StoreError):
    """The store's file is damaged (a block DuckDB cannot read, or a .wal that belongs to another state of it)."""


class DiskError(StoreError):
    """The disk refused a write: read-only, full, or not voc's to write (`voc.store.on_disk` names which)."""


class RunInterruptedError(VocError):
    """A run was stopped by Ctrl-C or a termination signal: nothing of it was published."""

    exit_code = 130  # what a shell reports for a process ended by Ctrl-C (128 + SIGINT)
