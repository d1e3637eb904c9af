"""The counters of `robot run --processes N`, summed over its worker processes at `/metrics`.

Each worker process counts its own applications, register calls and reasons. With one daemon of N
forked workers only child 0 serves `/metrics`, so its own counters alone would show about 1/N of the
work. prometheus_client's multiprocess mode keeps every process's counters in files in one folder
and sums them at the scrape (`metrics.EXPOSED`). The mode is chosen when prometheus_client is first
imported, so the daemon turns it on (`share_counters`) after reading its settings and before it loads
the worker; the folder is new for each start, so a restart begins from zero as a single process does.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

FOLDER = "PROMETHEUS_MULTIPROC_DIR"


class TooLate(RuntimeError):
    """prometheus_client was imported before the mode could be chosen (a defect in the robot's import order)."""


def share_counters() -> str:
    """Counters kept in files in a new folder from now on (and by the processes forked later); its path."""
    if "prometheus_client" in sys.modules:
        raise TooLate("prometheus_client är redan laddat: räknarna kan inte delas mellan arbetsprocesserna")
    folder = tempfile.mkdtemp(prefix="robot-metrics-")
    os.environ[FOLDER] = folder
    return folder


def stop_sharing(folder: str) -> None:
    """The folder removed once every process that wrote to it has ended."""
    if os.environ.get(FOLDER) == folder:
        del os.environ[FOLDER]
    shutil.rmtree(folder, ignore_errors=True)
