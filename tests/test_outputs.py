"""--out as a user means it: a symlink's target is written, a FIFO or device is written into (never replaced),
`-` is standard output, and a written file has the usual mode of a new file (or keeps the one it had)."""

import io
import os
import stat
import threading
import time

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()
FIFO_WAIT_SECONDS = 30  # the reader gives up after this long (a voc that replaced the FIFO never writes into it)


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_a_symlink_is_followed_and_its_target_replaced(published_db, tmp_path):
    db, summary = published_db
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "themes.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(os.path.join("real", "themes.csv"))  # relative, as `ln -s` makes it
    result = invoke("export", "themes", "--db", db, "--out", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "themes.csv")
    lines = target.read_text().splitlines()
    assert lines[0].startswith('"theme_id"') and len(lines) == summary["themes"] + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real"]  # no temporary file left anywhere
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["themes.csv"]
    dangling = tmp_path / "new-link.csv"
    dangling.symlink_to(tmp_path / "real" / "later.csv")
    assert invoke("export", "themes", "--db", db, "--out", dangling).exit_code == 0
    assert dangling.is_symlink() and (tmp_path / "real" / "later.csv").read_text().startswith('"theme_id"')


def _read_fifo(path, into: list) -> None:
    """Read a FIFO to its end without blocking forever: open it non-blocking, wait for a writer's data, stop at EOF."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    deadline, chunks = time.monotonic() + FIFO_WAIT_SECONDS, []
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:  # a writer is there, its data is not yet
                time.sleep(0.01)
                continue
            if chunk:
                chunks.append(chunk)
            elif chunks:  # EOF after data: the writer closed
                break
            else:  # no writer yet
                time.sleep(0.01)
    finally:
        os.close(fd)
    into.append(b"".join(chunks))


def test_a_fifo_is_written_into_not_replaced(published_db, tmp_path):
    db, summary = published_db
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list = []
    reader = threading.Thread(target=_read_fifo, args=(fifo, received), daemon=True)
    reader.start()
    time.sleep(0.2)  # the reader has the FIFO open before voc opens it for writing
    result = invoke("export", "assignments", "--db", db, "--out", fifo)
    reader.join(FIFO_WAIT_SECONDS + 5)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a regular file"
    lines = received[0].decode("utf-8").splitlines()
    assert lines[0].startswith('"comment_id","theme_id"') and len(lines) == summary["comments_clustered"] + 1
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.csv"]


def test_dash_is_standard_output_and_the_message_goes_to_stderr(published_db):
    db, summary = published_db
    result = invoke("export", "themes", "--db", db, "--out", "-")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith('"theme_id"') and len(lines) == summary["themes"] + 1
    said = f"wrote {summary['themes']} themes to standard output"
    assert said not in result.stdout and said in result.stderr
    parquet = invoke("export", "themes", "--db", db, "--format", "parquet", "--out", "-")  # stdout is not a terminal
    assert parquet.exit_code == 0 and pq.read_table(io.BytesIO(parquet.stdout_bytes)).num_rows == summary["themes"]
    page = invoke("report", "--db", db, "--out", "-")
    assert page.exit_code == 0 and page.stdout.lstrip().startswith("<!doctype html>")
    assert "wrote the report to standard output" in page.stderr
    assert not os.path.exists("-")
    handoff = invoke("handoff", "--db", db, "--out", "-")
    assert handoff.exit_code == 2 and "pass a folder" in handoff.output and not os.path.exists("-")


def _drain(fd: int, into: list) -> None:
    """Read a pseudo-terminal until it closes (so a writer never blocks on a full terminal)."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        into.append(chunk)


@pytest.mark.parametrize("fmt, start", [("parquet", b"PAR1"), ("excel", b"\xff\xfe")])
def test_binary_output_to_a_terminal_is_refused_in_one_line(published_db, fmt, start):
    """A real terminal (a pseudo-terminal) as standard output: parquet and UTF-16 Excel text are refused, nothing
    is written to it."""
    import pty
    import subprocess
    import sys

    db, _ = published_db
    main, secondary = pty.openpty()
    shown: list = []
    reader = threading.Thread(target=_drain, args=(main, shown), daemon=True)
    reader.start()
    try:
        result = subprocess.run([sys.executable, "-m", "flows.cli", "export", "themes", "--db", str(db), "--format",
                                 fmt, "--out", "-"], stdout=secondary, stderr=subprocess.PIPE, text=True,
                                timeout=300)
    finally:
        os.close(secondary)
        reader.join(10)
        os.close(main)
    assert result.returncode == 2 and f"{fmt} output would garble the terminal" in result.stderr
    assert "Traceback" not in result.stderr and start not in b"".join(shown)


def test_written_files_have_the_usual_mode_and_keep_an_existing_one(published_db, tmp_path):
    db, _ = published_db
    old = os.umask(0o022)
    try:
        assert invoke("export", "themes", "--db", db, "--out", tmp_path / "a.csv").exit_code == 0
        assert invoke("report", "--db", db, "--out", tmp_path / "r.html").exit_code == 0
        assert invoke("handoff", "--db", db, "--out", tmp_path / "h").exit_code == 0
        os.umask(0o027)
        result = invoke("export", "themes", "--db", db, "--format", "parquet", "--out", tmp_path / "b.parquet")
        assert result.exit_code == 0
        existing = tmp_path / "c.csv"
        existing.write_text("old\n")
        existing.chmod(0o604)
        assert invoke("export", "themes", "--db", db, "--out", existing).exit_code == 0
    finally:
        os.umask(old)
    mode = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*")
            if p.is_file()}
    assert mode == {"a.csv": 0o644, "r.html": 0o644, "h/themes.parquet": 0o644, "h/themes.csv": 0o644,
                    "h/summary.md": 0o644, "h/jira.csv": 0o644, "b.parquet": 0o640, "c.csv": 0o604}
    assert existing.read_text().startswith('"theme_id"')
