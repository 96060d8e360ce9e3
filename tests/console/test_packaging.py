"""A built wheel carries the built console, though git ignores it (it is npm's output)."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BUILT = {"index.html": "<!doctype html><title>console</title>", "assets/app-1a2b3c.js": "1;"}


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """`uv build` of a copy of the project whose console build is a stand-in."""
    if shutil.which("uv") is None:
        pytest.fail("uv is needed to build the wheel")
    tree = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "README.md", ".gitignore"):
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(
        ROOT / "src", tree / "src",
        ignore=shutil.ignore_patterns("__pycache__", "dist"),
    )
    for name, text in BUILT.items():
        target = tree / "src/turnout/console/dist" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    out = tree / "out"
    subprocess.run(
        ["uv", "build", "--quiet", "--out-dir", str(out), str(tree)],
        check=True, timeout=300, cwd=tree,
    )
    return next(out.glob("*.whl")), next(out.glob("*.tar.gz"))


def test_git_ignores_the_console_build():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "src/turnout/console/dist/index.html"], cwd=ROOT
    )
    assert ignored.returncode == 0


def test_the_wheel_contains_the_console_build(archives):
    wheel, _ = archives
    names = zipfile.ZipFile(wheel).namelist()
    for name in BUILT:
        assert f"turnout/console/dist/{name}" in names
    assert "turnout/console/serving.py" in names


def test_the_sdist_contains_the_console_build(archives):
    _, sdist = archives
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for name in BUILT:
        assert f"src/turnout/console/dist/{name}" in names
