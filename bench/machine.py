"""What the benchmark ran on: cores, memory, CPU model, kernel, Python and package versions."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

PACKAGES = ("turnout", "fastapi", "starlette", "pydantic", "uvicorn", "uvloop", "httptools",
            "aiohttp", "orjson", "sqlalchemy", "aiosqlite", "asyncpg", "redis",
            "prometheus-client")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _versions() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields), idle


def background_cpu(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over `seconds` (other work on the machine before the benchmark)."""
    try:
        total0, idle0 = _cpu_times()
        time.sleep(seconds)
        total1, idle1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return 0.0
    spent = total1 - total0
    return 1.0 - (idle1 - idle0) / spent if spent else 0.0


def source_revision() -> str:
    """The commit Turnout's source was at, and whether src/ had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                             check=False)
        return out.stdout.strip() if out.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "src")
    return commit + (" with uncommitted changes in src/" if dirty else "")


def describe(wrk_version: str, upstream: str) -> dict[str, object]:
    return {
        "nproc": os.cpu_count() or 0,
        "usable_cpus": len(os.sched_getaffinity(0)),
        "memory_gib": round(_mem_total_gib(), 1),
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": _versions(),
        "wrk": wrk_version,
        "upstream": upstream,
        "revision": source_revision(),
        "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "background_cpu": round(background_cpu(), 3),
    }
