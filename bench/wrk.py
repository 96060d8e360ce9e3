"""Running wrk (installing it when missing and allowed) and parsing what request.lua prints."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.apt import apt_install

SCRIPT = Path(__file__).resolve().parent / "request.lua"
INSTALL_HINT = "install it with: sudo apt-get install -y wrk   (Debian/Ubuntu package 'wrk')"


class WrkMissing(RuntimeError):
    pass


def ensure_wrk(allow_install: bool = True) -> str:
    """Path of wrk; as root with apt-get available, install the Debian package when missing."""
    found = shutil.which("wrk")
    if found is None and allow_install and apt_install("wrk"):
        found = shutil.which("wrk")
    if found:
        return found
    raise WrkMissing("the load generator wrk is not installed; " + INSTALL_HINT)


def wrk_version(binary: str) -> str:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0] if first else "wrk (unknown version)"


@dataclass(frozen=True)
class Load:
    """What wrk sends."""

    url: str
    method: str = "GET"
    body: str = ""
    token: str = ""


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    errors: dict[str, int]
    percentiles_us: dict[float, int]
    mean_us: float
    max_us: int
    raw: str = field(repr=False, default="")

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def p(self, pct: float) -> float:
        """Latency percentile in milliseconds."""
        return self.percentiles_us[pct] / 1000.0

    @property
    def p50(self) -> float:
        return self.p(50)

    @property
    def p99(self) -> float:
        return self.p(99)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def error_share(self) -> float:
        return self.error_count / self.requests if self.requests else 1.0


_BENCH = re.compile(r"^BENCH (.*)$", re.M)
_LAT = re.compile(r"^BENCH_LAT (.*)$", re.M)
_PCT = re.compile(r"^BENCH_PCT (\S+) (\d+)$", re.M)


def _pairs(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split())


def parse(output: str) -> WrkResult:
    head, lat = _BENCH.search(output), _LAT.search(output)
    if head is None or lat is None:
        raise RuntimeError(f"wrk printed no BENCH lines:\n{output}")
    fields, lat_fields = _pairs(head.group(1)), _pairs(lat.group(1))
    return WrkResult(
        requests=int(fields["requests"]),
        duration_s=int(fields["duration_us"]) / 1e6,
        errors={k: int(fields[k]) for k in ("connect", "read", "write", "status", "timeout")},
        percentiles_us={float(p): int(v) for p, v in _PCT.findall(output)},
        mean_us=float(lat_fields["mean"]),
        max_us=int(lat_fields["max"]),
        raw=output,
    )


class Wrk:
    def __init__(self, binary: str, threads: int = 1, timeout_s: int = 10) -> None:
        self.binary = binary
        self.threads = threads
        self.timeout_s = timeout_s

    def command(self, load: Load, connections: int, duration_s: float) -> list[str]:
        return [
            self.binary, f"-t{self.threads}", f"-c{connections}", f"-d{max(1, round(duration_s))}s",
            f"--timeout={self.timeout_s}s", "--latency", "-s", str(SCRIPT), load.url,
        ]

    def start(self, load: Load, connections: int, duration_s: float) -> subprocess.Popen[str]:
        env = {**os.environ, "BENCH_METHOD": load.method, "BENCH_BODY": load.body,
               "BENCH_TOKEN": load.token}
        return subprocess.Popen(
            self.command(load, connections, duration_s), env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )

    def finish(self, proc: subprocess.Popen[str], duration_s: float) -> WrkResult:
        try:
            output, _ = proc.communicate(timeout=duration_s + self.timeout_s + 30)
        except BaseException:
            stop(proc)
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"wrk exited with {proc.returncode}:\n{output}")
        return parse(output)

    def run(self, load: Load, connections: int, duration_s: float) -> WrkResult:
        return self.finish(self.start(load, connections, duration_s), duration_s)


def stop(proc: subprocess.Popen[str]) -> None:
    """End a wrk we started (its own process group, led by its PID)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
