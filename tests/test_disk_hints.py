"""What voc says when the disk's permissions refuse it: a store folder that takes no new file (DuckDB's .wal), an
unreadable store. Real `voc` subprocesses run as root without the capabilities that let root past file modes
(setpriv), on real DuckDB files."""

import os
import shutil
import subprocess
import sys

import pytest

from test_ops_edges import comments_csv

from voc import store

WITHOUT_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner",
               "--inh-caps", "-dac_override,-dac_read_search,-fowner"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                                reason="needs root and setpriv to drop the capabilities that pass file modes")


def voc_without_dac(*args, cwd) -> subprocess.CompletedProcess:
    """`voc ARGS` as root that file modes bind (no CAP_DAC_OVERRIDE), in `cwd` (so paths read as given)."""
    return subprocess.run([*WITHOUT_DAC, sys.executable, "-m", "flows.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env={**os.environ, "VOC_PASSWORD": "a-long-password-1"})


@pytest.fixture
def perm(tmp_path):
    """A folder `perm` holding an empty voc store; its modes are put back for the cleanup."""
    folder = tmp_path / "perm"
    folder.mkdir()
    with store.open(folder / "voc.duckdb", create=True):
        pass
    yield folder
    folder.chmod(0o755)
    (folder / "voc.duckdb").chmod(0o644)


def test_a_store_whose_folder_takes_no_new_file_names_the_folder_and_the_wal(perm):
    perm.chmod(0o555)  # the store file stays writable: it is DuckDB's .wal beside it that cannot be made
    result = voc_without_dac("user", "add", "bob", "--role", "pm", "--db", "perm/voc.duckdb", cwd=perm.parent)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: cannot create perm/voc.duckdb.wal: the folder perm is not writable for the user root (DuckDB writes "
        "a .wal beside the store); give root write access to the folder, or pass another path"]


def test_a_run_in_a_folder_that_takes_no_new_file_names_the_lock_it_could_not_make(perm):
    comments_csv(perm.parent / "in.csv", n=3)
    perm.chmod(0o555)
    result = voc_without_dac("run", "--source", "in.csv", "--db", "perm/voc.duckdb", cwd=perm.parent)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: cannot create perm/voc.duckdb.lock: the folder perm is not writable for the user root (voc writes "
        "a .lock beside the store); give root write access to the folder, or pass another path"]


def test_an_unreadable_store_is_voc_s_one_line_not_a_usage_box(perm):
    (perm / "voc.duckdb").chmod(0o000)
    for command in (["themes"], ["user", "list"]):
        result = voc_without_dac(*command, "--db", "perm/voc.duckdb", cwd=perm.parent)
        assert result.returncode == 3, result.stderr
        assert result.stderr.strip().splitlines() == [
            "error: cannot open perm/voc.duckdb: permission denied; give the user root read and write access to it, "
            "or pass another path"]


def test_a_read_only_store_file_is_named_as_given_with_the_user(perm):
    (perm / "voc.duckdb").chmod(0o444)  # DuckDB names the file by its absolute path: shown as --db gave it
    result = voc_without_dac("user", "add", "bob", "--role", "pm", "--db", "perm/voc.duckdb", cwd=perm.parent)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: cannot open perm/voc.duckdb: permission denied; give the user root read and write access to it, or "
        "pass another path"]
