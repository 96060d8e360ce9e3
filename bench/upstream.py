"""The benchmark's upstream: nginx with its Lua module, answering canned OpenAI-dialect bodies.

An upstream written in Python (Turnout's own aiohttp fake upstream answers about 4,600
requests/s here and takes most of a core) would cap every row at its own speed; nginx answers
far faster on little CPU, so the figures measure the proxy, not its upstream. The behaviour is in
`upstream_server.lua`, the configuration in `upstream.nginx.conf`; this module fills the latter
into the run's temporary directory, starts `nginx -p <dir> -c <conf>` in the foreground as its
own process (stopped by its PID like every other process of the run) and sets the per-lane delay
and faults through the control endpoint `/_bench/config`.

Lanes: the first path segment of a request (`/openai/v1/...` is lane `openai`). Every lane
answers the same; the delay, error rate and hang rate are set per lane, lane `*` for all. A lane
set to record notes the arrival time of each chat completion and embeddings request (nginx's
start time of the request), read back with `take_arrivals`: what reached the upstream, counted
by the upstream.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.apt import apt_install
from bench.processes import Managed, ProcessSet, free_port, wait_ready
from bench.setup import expect

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE = BENCH_DIR / "upstream.nginx.conf"
PACKAGES = ("nginx", "libnginx-mod-http-lua")
MODULE_DIRS = (Path("/usr/lib/nginx/modules"), Path("/usr/share/nginx/modules"))
MODULES = ("ndk_http_module.so", "ngx_http_lua_module.so")
INSTALL_HINT = ("install them with: sudo apt-get install -y " + " ".join(PACKAGES)
                + "   (Debian/Ubuntu packages)")
CONTROL_PATH = "/_bench/config"
ARRIVALS_PATH = "/_bench/arrivals"
HEALTH_PATH = "/_bench/health"
ALL_LANES = "*"
DEFAULT_LANE = "openai"  # the lane of the single provider the load scenarios use


class NginxMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Nginx:
    binary: str
    modules: Path

    def version(self) -> str:
        out = subprocess.run([self.binary, "-v"], capture_output=True, text=True, check=False)
        text = (out.stderr or out.stdout).strip()
        return text.removeprefix("nginx version: ") or "nginx (unknown version)"


def find_nginx() -> Nginx | None:
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    modules = next((d for d in MODULE_DIRS if all((d / m).exists() for m in MODULES)), None)
    return Nginx(binary, modules) if binary and modules else None


def ensure_nginx(allow_install: bool = True) -> Nginx:
    """nginx and its Lua module; as root with apt-get available, installed when missing."""
    found = find_nginx()
    if found is None and allow_install and apt_install(*PACKAGES):
        found = find_nginx()
    if found is None:
        raise NginxMissing("the benchmark's upstream needs nginx with its Lua module; "
                           + INSTALL_HINT)
    return found


def render_config(nginx: Nginx, run_dir: Path, port: int, workers: int) -> str:
    # As root the workers would otherwise run as nobody, who cannot read the run's 0700 dir.
    user = "user root;" if os.geteuid() == 0 else ""
    fields = {"MODULES": str(nginx.modules), "RUN_DIR": str(run_dir), "PORT": str(port),
              "WORKERS": str(workers), "LUA_DIR": str(BENCH_DIR), "USER": user}
    text = TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace(f"@{name}@", value)
    return text


@dataclass
class Upstream:
    url: str  # http://127.0.0.1:PORT
    process: Managed

    def lane_url(self, lane: str = DEFAULT_LANE) -> str:
        """The OpenAI base URL of one lane, as a provider or a client is given it."""
        return lane_url(self.url, lane)


def lane_url(upstream_url: str, lane: str = DEFAULT_LANE) -> str:
    return f"{upstream_url}/{lane}/v1"


def start_upstream(procs: ProcessSet, nginx: Nginx, run_dir: Path, workers: int = 1) -> Upstream:
    """Write the config into `run_dir`, start nginx in the foreground, wait until it answers."""
    home = run_dir / "nginx"
    home.mkdir(exist_ok=True)
    port = free_port()
    conf = home / "nginx.conf"
    conf.write_text(render_config(nginx, home, port, workers))
    process = procs.start("upstream-nginx", [
        nginx.binary, "-p", str(home), "-c", str(conf), "-e", str(home / "nginx-error.log")])
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + HEALTH_PATH, process, timeout=30)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n{_tail(home / 'nginx-error.log')}") from exc
    reset_upstream(url)
    return Upstream(url, process)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def configure_lane(upstream_url: str, lane: str = ALL_LANES, *, delay_ms: float | None = None,
                   error_rate: float | None = None, hang_rate: float | None = None,
                   hang_ms: float | None = None, record: bool | None = None) -> dict[str, Any]:
    """Set what is given for one lane (`*`: every lane that does not set it itself)."""
    values = {"lane": lane, "delay_ms": delay_ms, "error_rate": error_rate,
              "hang_rate": hang_rate, "hang_ms": hang_ms,
              "record": None if record is None else int(record)}
    query = urllib.parse.urlencode({k: v for k, v in values.items() if v is not None})
    answer: dict[str, Any] = expect("POST", f"{upstream_url}{CONTROL_PATH}?{query}", ok=(200,))
    return answer


def reset_upstream(upstream_url: str, lane: str | None = None) -> None:
    """Forget the settings of one lane, or of every lane."""
    query = "?" + urllib.parse.urlencode({"lane": lane}) if lane else ""
    expect("DELETE", f"{upstream_url}{CONTROL_PATH}{query}", ok=(200,))


def set_upstream_delay(upstream_url: str, delay_ms: float, lane: str = ALL_LANES) -> None:
    """A fixed delay before every answer of `lane` (before the first byte of a stream)."""
    configure_lane(upstream_url, lane, delay_ms=delay_ms)


@dataclass(frozen=True)
class Arrivals:
    """When each request of a recording lane reached the upstream (seconds since the epoch)."""

    times: list[float]
    dropped: int  # not recorded: the upstream's arrival store was full


def arrival_count(upstream_url: str, lane: str) -> int:
    """How many arrivals `lane` has recorded and not yet handed out."""
    query = urllib.parse.urlencode({"lane": lane})
    answer = expect("GET", f"{upstream_url}{ARRIVALS_PATH}?{query}", ok=(200,))
    return int(answer["count"])


def take_arrivals(upstream_url: str, lane: str) -> Arrivals:
    """The arrivals `lane` recorded, in order; the upstream forgets them."""
    query = urllib.parse.urlencode({"lane": lane})
    answer = expect("DELETE", f"{upstream_url}{ARRIVALS_PATH}?{query}", ok=(200,))
    return Arrivals([float(t) for t in answer["times"]], int(answer["dropped"]))
