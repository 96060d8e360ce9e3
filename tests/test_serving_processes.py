"""`turnout serve --workers N`: every worker listens on its own socket, nothing else may share
the port, and a second instance on the same port is refused."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest

from tests.test_cli import TURNOUT, UP_WITHIN_S, _env, _wait_until_up, free_port
from turnout.serving_processes import bind_reuse_port, ensure_port_free, reuse_port_supported

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="needs SO_REUSEPORT")


def test_a_worker_receives_the_recipe_for_a_socket_of_its_own():
    parent = bind_reuse_port("127.0.0.1", 0)
    port = parent.getsockname()[1]
    try:
        child = ForkingPickler.loads(ForkingPickler.dumps(parent))
        try:
            assert child.fileno() != parent.fileno()
            assert child.getsockname() == ("127.0.0.1", port)
            assert child.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        finally:
            child.close()
    finally:
        parent.close()


def test_a_port_served_by_shared_sockets_is_not_free():
    held = bind_reuse_port("127.0.0.1", 0)
    held.listen()
    try:
        with pytest.raises(OSError):
            ensure_port_free("127.0.0.1", held.getsockname()[1])
    finally:
        held.close()


def listening_inodes(port: int) -> set[str]:
    """Inodes of the sockets listening on 127.0.0.1:`port` (from /proc/net/tcp)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and local == f"0100007F:{port:04X}":
            inodes.add(inode)
    return inodes


def socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[len("socket:[") : -1])
    return found


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.mark.slow
def test_each_worker_listens_on_its_own_socket_and_a_second_instance_is_refused(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [*TURNOUT, "serve", "--port", str(port), "--workers", "2"],
        env=_env(tmp_path, TURNOUT_ADMIN_PASSWORD="workers-test-password"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_up(url, process)  # one worker is up; the other may still be starting
        deadline = time.monotonic() + UP_WITHIN_S
        while len(listening := listening_inodes(port)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [p for p in children(process.pid) if socket_inodes(p) & listening]
        assert len(listening) == 2 and len(workers) == 2
        owned = [socket_inodes(w) & listening for w in workers]
        assert owned[0] and owned[1] and not owned[0] & owned[1]
        assert not socket_inodes(process.pid) & listening  # the supervisor's socket never listens

        second = subprocess.run(
            [*TURNOUT, "serve", "--port", str(port), "--workers", "2"],
            env=_env(tmp_path), capture_output=True, text=True, timeout=UP_WITHIN_S,
        )
        assert second.returncode != 0
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=UP_WITHIN_S)
