"""Installing a missing Debian package for the benchmark (as root, where apt-get exists)."""

from __future__ import annotations

import os
import shutil
import subprocess


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(*packages: str) -> bool:
    """`apt-get install -y PACKAGES`, after an `apt-get update` when the first try fails."""
    if not can_install():
        return False
    print(f"installing the Debian package(s) {' '.join(packages)} (apt-get install -y) …",
          flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", *packages]
    if subprocess.run(install, env=env, check=False).returncode == 0:
        return True
    subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
    return subprocess.run(install, env=env, check=False).returncode == 0
