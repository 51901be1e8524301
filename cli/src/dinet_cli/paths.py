"""Where a running stack keeps its things: one data folder, and a state file inside it that
`dinet status` and `dinet dlq` read to find the servers `dinet up` started."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from dinet_chassis.embedded import pid_alive
from dinet_contracts.topology import SERVICES

__all__ = ["SERVICES", "pid_alive"]



def data_dir(explicit: str | Path | None = None) -> Path:
    raw = explicit or os.environ.get("DINET_DATA_DIR") or ".dinet"
    return Path(raw).expanduser().resolve()


def state_file(data: Path) -> Path:
    return data / "run" / "state.json"


def read_state(data: Path) -> dict[str, Any] | None:
    try:
        return json.loads(state_file(data).read_text())
    except (OSError, ValueError):
        return None


def write_state(data: Path, state: dict[str, Any]) -> None:
    path = state_file(data)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    # It may hold database URLs with passwords (external mode): owner only.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=2)
    tmp.replace(path)  # a reader never sees half a file


def remove_state(data: Path) -> None:
    state_file(data).unlink(missing_ok=True)


def secret_key(data: Path) -> str:
    """One key per data folder, so sessions and signed links survive a restart."""
    path = data / "secret"
    if path.exists():
        return path.read_text().strip()
    data.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key




def is_dinet(pid: int | None) -> bool:
    """A live `dinet` process; after a reboot the pid in an old state file may be someone else's."""
    if not pid_alive(pid):
        return False
    try:
        return b"dinet" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the pid
