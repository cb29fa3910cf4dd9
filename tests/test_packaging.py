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


def test_the_python_voc_promises_is_one_every_pinned_package_installs_on():
    """Walkthrough 5a F12: README and requires-python said 3.10+, but numpy, scipy, duckdb 2, pyarrow and 28 more
    pins in constraints.txt need 3.11: `make demo` could not install on 3.10. Read from the installed packages'
    metadata (the test environment is installed with constraints.txt)."""
    import re
    import tomllib
    from importlib import metadata

    from packaging.specifiers import SpecifierSet

    promised = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    oldest = re.fullmatch(r">=(3\.\d+)", promised).group(1)
    assert f"Python {oldest}+" in (ROOT / "README.md").read_text(encoding="utf-8")
    refusing = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        try:
            dist = metadata.distribution(name.strip())
        except metadata.PackageNotFoundError:
            continue  # pinned for another platform or an extra this environment lacks
        needs = dist.metadata.get("Requires-Python")
        if dist.version == version.strip() and needs and not SpecifierSet(needs).contains(f"{oldest}.0"):
            refusing[name] = needs
    assert refusing == {}, f"pins that do not install on Python {oldest}: {refusing}"
