"""CPU time from /proc, for bench/load.py: the gunicorn server's, PostgreSQL's backends' for one
database, and the whole machine's (to tell how much other work ran during a step).

Linux only. Times are in seconds, at the kernel's clock-tick resolution (usually 10 ms per
process), so a step should last seconds, not milliseconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Stat:
    """The fields of /proc/<pid>/stat the bench needs (field numbers as in proc(5))."""

    pid: int
    pgrp: int  # (5)
    utime: int  # (14), ticks
    stime: int  # (15)
    cutime: int  # (16): children waited for
    cstime: int  # (17)

    @property
    def own(self) -> float:
        return (self.utime + self.stime) / TICK

    @property
    def reaped(self) -> float:
        return (self.cutime + self.cstime) / TICK


def stat(pid: int) -> Stat | None:
    """The process's stat, or None when it is gone (or was never there)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name, in parentheses, may hold spaces: the fields start after the last ")".
    fields = raw.rsplit(")", 1)[1].split()
    # fields[0] is field (3), the state.
    return Stat(
        pid, int(fields[2]), int(fields[11]), int(fields[12]), int(fields[13]), int(fields[14])
    )


def group_cpu(pgrp: int) -> float:
    """CPU seconds used so far by a process group: every living member's own time, and the
    time of members the leader waited for (a gunicorn worker that exited and was replaced).
    gunicorn started in a session of its own is the group: the master (the leader, whose pid is
    the group's id) and its workers."""
    total = 0.0
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        found = stat(int(entry.name))
        if found is None or found.pgrp != pgrp:
            continue
        total += found.own
        if found.pid == pgrp:
            total += found.reaped
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy so far (all CPUs): /proc/stat's first line
    without idle and iowait (guest time is already in user time)."""
    fields = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def postgres_backends(url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL client backend connected to the database of
    ``url`` (not counting the connection that asks). Empty for other databases, and when
    PostgreSQL runs on another machine (its processes are not in this /proc)."""
    if not url.startswith("postgresql"):
        return {}
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            pids = connection.scalars(
                sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
            ).all()
    finally:
        engine.dispose()
    seen = {pid: stat(pid) for pid in pids}
    return {pid: found.own for pid, found in seen.items() if found is not None}


@dataclass
class Meter:
    """CPU used between start() and stop(): the server's process group, PostgreSQL's backends
    for the database (None on SQLite), the whole machine, and this process's children (the
    load generator's client processes, counted once the pool has waited for them)."""

    pgrp: int
    url: str
    server: float = 0.0
    database: float | None = None
    machine: float = 0.0
    clients: float = 0.0

    def start(self) -> Meter:
        self._server = group_cpu(self.pgrp)
        self._database = postgres_backends(self.url)
        self._machine = machine_busy()
        self._clients = _children()
        return self

    def stop(self) -> Meter:
        self.machine = machine_busy() - self._machine
        self.clients = _children() - self._clients
        self.server = group_cpu(self.pgrp) - self._server
        if self.url.startswith("postgresql"):
            now = postgres_backends(self.url)
            # A backend that ended during the step is missed: the app's pooled connections
            # live as long as their worker, so these are few.
            self.database = sum(now[pid] - self._database.get(pid, 0.0) for pid in now)
        return self

    @property
    def others(self) -> float:
        """The machine's busy CPU seconds that were neither the server, its database backends
        nor the load generator: other work on the machine (and this process, which only
        waits)."""
        return max(0.0, self.machine - self.server - (self.database or 0.0) - self.clients)


def _children() -> float:
    times = os.times()
    return times.children_user + times.children_system
