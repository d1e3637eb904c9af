"""Reading application files: folders of `ansokan/1` JSON, the inbox, and the rejected folder.

Intake has a size limit (`intake.max_file_bytes`, default 1 MiB): larger files are rejected
unread, so memory stays bounded whatever arrives. A file that is not a JSON object is not an
application: from the inbox it is moved to the rejected folder with an error file beside it.
A JSON object that breaks the format is queued and becomes a manual item naming the fields.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from robot.formats.application import NotAnApplication, load_json_object
from robot.intake.documents import Document
from robot.logs import redact

IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".swp")


@dataclass(frozen=True)
class Rejected:
    path: Path
    reason: str


class TooLarge(Exception):
    pass


def collect(paths: list[Path]) -> Iterator[Path]:
    """Files as given, and the *.json files in folders (recursively), streamed as the folders are read.

    Nothing is listed up front, so memory stays flat however many files a folder holds; the order
    within a folder is the file system's (the queue orders applications by deadline anyway).
    """
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        folders = [path]
        while folders:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_dir():
                        folders.append(Path(entry.path))
                    elif entry.is_file() and entry.name.endswith(".json") and _wanted(Path(entry.name)):
                        yield Path(entry.path)


def chunked(paths: Iterator[Path], size: int) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    for path in paths:
        chunk.append(path)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _wanted(path: Path) -> bool:
    return not path.name.startswith(".") and not path.name.endswith(IGNORED_SUFFIXES)


def read_limited(path: Path, limit: int) -> bytes:
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"larger than the intake limit of {limit} bytes")
    return data


def read_documents(paths: list[Path], limit: int, source: str) -> tuple[list[tuple[Path, Document]], list[Rejected]]:
    """Read files into documents; anything that cannot be an application is rejected with its reason."""
    accepted: list[tuple[Path, Document]] = []
    rejected: list[Rejected] = []
    for path in paths:
        try:
            raw = read_limited(path, limit)
            parsed = load_json_object(raw)
        except TooLarge as exc:
            rejected.append(Rejected(path, str(exc)))
        except NotAnApplication as exc:
            rejected.append(Rejected(path, str(exc)))
        except OSError as exc:
            rejected.append(Rejected(path, f"cannot read: {exc.strerror}"))
        else:
            accepted.append((path, Document(raw, f"{source}:{redact(path.name)}", parsed)))
    return accepted, rejected


def inbox_files(inbox: Path, limit: int = 10_000) -> list[Path]:
    """Complete files waiting in the inbox (the e-service writes each file atomically: temp name, then rename)."""
    if not inbox.is_dir():
        return []
    names = sorted(e.name for e in os.scandir(inbox) if e.is_file() and _wanted(Path(e.name)))
    return [inbox / n for n in names[:limit]]


def move_to_rejected(path: Path, reason: str, rejected_dir: Path, now: dt.datetime) -> Path:
    """Keep a rejected file with an error file beside it; never drop it."""
    rejected_dir.mkdir(parents=True, exist_ok=True)
    target = rejected_dir / path.name
    n = 1
    while target.exists():
        target = rejected_dir / f"{path.stem}.{n}{path.suffix}"
        n += 1
    os.replace(path, target)
    error = target.with_name(target.name + ".error.txt")
    error.write_text(f"rejected_at: {now.isoformat()}\nfile: {path.name}\nreason: {reason}\n", encoding="utf-8")
    return target
