"""The `voc` command: the app of `voc.cli.common` with every sub-command module registered on it.

`voc run` and `voc demo` start the Prefect flow, so they live beside it in `flows/cli.py`, the console script's
entry point, which adds them to this app (the library never imports `flows`).
"""

# Each module registers its commands on `app`; in this order they are listed by `voc --help`.
from voc.cli import results  # noqa: F401  themes, segments, report, quarantine, export
from voc.cli import loop  # noqa: F401  status, handoff, agent, notify
from voc.cli import sentiment  # noqa: F401  runs, sentiment
from voc.cli import theme, web  # noqa: F401  theme; serve, user
from voc.cli import ops  # noqa: F401  backup
from voc.cli.common import app

__all__ = ["app"]

if __name__ == "__main__":
    app()
