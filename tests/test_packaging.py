"""What `pip install .` (not the editable install the tests run from) puts on a machine: every module, the web
app's templates and static files, and the resources the stages read."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_every_module_page_and_resource(tmp_path):
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    for name in ("voc", "flows"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                    "--wheel-dir", str(tmp_path), str(source)], check=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("voc-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    wanted = {str(p.relative_to(ROOT)) for folder in ("voc", "flows") for p in (ROOT / folder).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert wanted - packed == set()
    assert {"voc/web/templates/base.html", "voc/web/static/voc.css", "voc/resources/demo_problems.json"} <= packed
