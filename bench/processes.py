"""Starting, watching and stopping the processes the benchmark runs (fake upstream, Turnout).

Every process is started in its own session so that it and whatever it forks form one process
group whose id is the started PID; stopping signals that group (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Managed:
    """One started process (and the group it leads) with its log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    _log: object = field(repr=False, default=None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the group led by our PID, wait, then SIGKILL what is left."""
        if self.alive():
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=5)
        # Workers forked by the leader may outlive it briefly; they share its group id.
        _signal_group(self.pid, signal.SIGKILL)
        log = self._log
        if log is not None and hasattr(log, "close"):
            log.close()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class ProcessSet:
    """The processes of one benchmark run; `stop_all` ends each of them by PID."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._items: list[Managed] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Managed:
        log_path = self._log_dir / f"{name}.log"
        log = log_path.open("wb")
        proc = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        managed = Managed(name=name, proc=proc, log_path=log_path, _log=log)
        self._items.append(managed)
        return managed

    def stop(self, managed: Managed) -> None:
        managed.stop()
        if managed in self._items:
            self._items.remove(managed)

    def stop_all(self) -> None:
        while self._items:
            self._items.pop().stop()


def wait_ready(url: str, managed: Managed, timeout: float = 120.0) -> None:
    """Poll `url` until it answers 200; fail early when the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not managed.alive():
            raise RuntimeError(
                f"{managed.name} exited with {managed.proc.returncode} before it was ready:\n"
                + managed.log_tail()
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{managed.name} not ready at {url} after {timeout:.0f} s:\n"
                       + managed.log_tail())


# --- resident memory, from /proc (psutil is not a dependency) -------------------------------

def _parent_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children = _parent_map()
    out: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children.get(current, []))
    return out


def _status_field(pid: int, name: str) -> str | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def rss_kib(pid: int) -> int:
    value = _status_field(pid, "VmRSS")
    return int(value.split()[0]) if value else 0


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def server_rss(pid: int) -> dict[int, int]:
    """VmRSS in KiB of the processes that serve requests in the tree of `pid`.

    With several workers these are uvicorn's spawned worker processes (the supervisor and the
    multiprocessing resource tracker hold no request state and are left out); with one worker it
    is the `turnout serve` process itself. The `uv` launcher is never counted.
    """
    python = [p for p in process_tree(pid) if (_status_field(p, "Name") or "") != "uv"]
    workers = [p for p in python if "multiprocessing.spawn" in _cmdline(p)]
    serving = workers or [p for p in python if "resource_tracker" not in _cmdline(p)]
    return {p: rss_kib(p) for p in serving}
