"""Run the app's Streamlit server as a child that never outlives ``planner app``.

``planner app`` starts ``streamlit run app.py`` as a child process. Stopping planner must
stop the server too, however planner is stopped: the child runs in its own process group,
SIGTERM, SIGINT (Ctrl-C) and SIGHUP received by planner are forwarded to that group and
planner waits for it (killing it after :data:`STOP_GRACE_S`), and on Linux the kernel
sends the child SIGTERM when planner dies without a chance to forward anything (SIGKILL).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

#: how long a stopped server may take to shut down before it is killed (s)
STOP_GRACE_S = 10.0
#: how often planner looks at the child while it runs (s)
POLL_S = 0.2
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int):
    """A ``preexec_fn``: ask Linux to send this child SIGTERM when ``parent`` dies."""

    def set_death_signal() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call above
            os._exit(1)

    return set_death_signal


def run_child(cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> int:
    """Run ``cmd`` until it exits or planner is asked to stop; returns the child's exit status.

    A signal in :data:`FORWARDED` is passed on to the child's process group; planner then
    waits up to :data:`STOP_GRACE_S` for the child to exit and kills the group after that.
    """
    preexec = _die_with_parent(os.getpid()) if sys.platform.startswith("linux") else None
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env), process_group=0, preexec_fn=preexec)
    stop_asked: list[float] = []

    def forward(signum: int, _frame: object) -> None:
        log.info("planner app: stopping the server (signal %d)", signum)
        if not stop_asked:
            stop_asked.append(time.monotonic())
        _signal_group(proc, signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        while True:
            try:
                return proc.wait(timeout=POLL_S)
            except subprocess.TimeoutExpired:
                if stop_asked and time.monotonic() - stop_asked[0] > STOP_GRACE_S:
                    log.warning("planner app: the server did not stop within %.0f s; killing it", STOP_GRACE_S)
                    _signal_group(proc, signal.SIGKILL)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:  # planner itself failed: do not leave the server behind
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(proc.pid, signum)
