"""The test command of one mutant: pytest, bound to die with the runner.

cosmic-ray starts the test command in a session of its own (so that a timeout can kill the whole
group), which also shields it from the Ctrl-C of the terminal. Asking the kernel to kill it when
its parent dies closes that gap: an interrupted `tradecheck mutate` leaves no pytest, app or
browser behind (the app already dies with its pytest, the browser with Playwright's driver).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *sys.argv[1:]])


if __name__ == "__main__":
    main()
