"""A section's wall-time budget, shared by every peer run of the section.

``bench/run vector --full`` sets ``BENCH_SECTION_DEADLINE`` (Unix seconds)
when the section starts, so that the whole section ends within its budget
(``VECTOR_SECTION_BUDGET_S``): at 1M × 384, six peers at two thread settings
would otherwise take well over an hour on two cores (HNSW graph builds alone
take many minutes each). Runs are ordered most telling first; each one:

- starts no index build when less than ``MIN_BUILD_S`` remain, and records
  the variant as skipped;
- ends a sweep at the deadline (``section_vector.should_stop``);
- is stopped by a ``Watchdog`` a little past the deadline when a build or a
  query pass is still running: the watchdog writes what the run measured so
  far, with ``cut_by_section_budget`` saying where it stopped, then exits.

Without the variable nothing here has any effect.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable

ENV = "BENCH_SECTION_DEADLINE"
#: Fewest seconds left in which an index build is still started.
MIN_BUILD_S = 60.0
#: Seconds past the deadline the watchdog allows a running step to finish.
GRACE_S = 20.0


def section_deadline() -> float | None:
    """The section's deadline in Unix seconds, or None when the section has no budget."""
    v = os.environ.get(ENV, "").strip()
    return float(v) if v else None


def remaining(clock: Callable[[], float] = time.time) -> float | None:
    """Seconds left before the section's deadline (negative past it), or None without one."""
    d = section_deadline()
    return None if d is None else d - clock()


def past(clock: Callable[[], float] = time.time) -> bool:
    """Whether the section's deadline has passed."""
    left = remaining(clock)
    return left is not None and left <= 0


def can_start_build(clock: Callable[[], float] = time.time) -> bool:
    """Whether enough of the budget remains to start an index build."""
    left = remaining(clock)
    return left is None or left >= MIN_BUILD_S


class Watchdog:
    """Calls ``on_deadline`` once the deadline plus ``GRACE_S`` has passed, then ends the process.

    ``on_deadline`` writes the run's partial JSON and returns True; it returns False when the run is
    already writing its full result, and the process is then left to finish. It runs on a timer thread, so it still fires while
    the main thread is inside a long native call that released the GIL (index builds, searches).
    ``bench/run`` also bounds the whole process with ``timeout`` for a native call that keeps the GIL.
    """

    def __init__(self, on_deadline: Callable[[], bool], exit_code: int = 0):
        self.on_deadline = on_deadline
        self.exit_code = exit_code
        self.timer: threading.Timer | None = None

    def start(self) -> None:
        left = remaining()
        if left is None:
            return
        self.timer = threading.Timer(max(0.0, left + GRACE_S), self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        if self.on_deadline():
            os._exit(self.exit_code)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
