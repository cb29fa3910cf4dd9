"""Every benchmark stays runnable: the speed benchmark end to end on a tiny size (timings are not checked)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_speed_benchmark_runs(tmp_path):
    out = tmp_path / "speed.json"
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "speed.py"), "--sizes", "300", "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    row = json.loads(out.read_text())["results"][0]
    assert row["comments"] > 250 and row["themes"] > 0 and set(row["seconds"]) >= {"embed", "cluster", "publish"}
