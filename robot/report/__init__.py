"""The monthly control report for verksamheten: one HTML page and CSV files for a period.

    data.load_month (streamed) → figures.compute (one pass, tally.py) → html.render + csv_export.write_all

Read-only: producing a report never changes stored data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from robot.clock import SYSTEM
from robot.config import private_folder, write_private
from robot.report import csv_export, html
from robot.report.data import load_month
from robot.report.figures import MonthFigures, compute

HTML_FILE = "rapport.html"


@dataclass(frozen=True)
class Report:
    figures: MonthFigures
    html: Path | None
    """None for a month without applications: nothing is written."""
    csv: list[Path]

    @property
    def paths(self) -> list[Path]:
        return [self.html, *self.csv] if self.html else []


def produce(
    engine: Engine,
    month: str,
    directory: Path,
    titles: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Compute the month's figures and write the HTML report and the CSV files into `directory`.

    A month without applications writes nothing (`Report.html` is None): an empty report helps nobody.
    """
    figures = compute(load_month(engine, month), titles)
    if figures.empty:
        return Report(figures, None, [])
    private_folder(directory)
    csv_paths = csv_export.write_all(figures, directory)
    page = html.render(figures, now or SYSTEM.now(), [p.name for p in csv_paths])
    html_path = directory / HTML_FILE
    write_private(html_path, page.encode("utf-8"))
    return Report(figures, html_path, csv_paths)
