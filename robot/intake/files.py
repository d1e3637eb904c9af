"""Reading application files: folders of `ansokan/1` JSON, the inbox, and the rejected folder.

Intake has a size limit (`intake.max_file_bytes`, default 1 MiB): larger files are rejected
unread, so memory stays bounded whatever arrives. A file is opened without following a symbolic
link and without blocking (a FIFO never hangs intake), and read only if it is a regular file with
no other name (a hard link). A file that is not a JSON object is not an application: from the inbox
it is moved to the rejected folder with an error file beside it, and so is everything in the inbox
that is not a regular file: links, FIFOs, folders, hidden files. A JSON object that breaks the
format is queued and becomes a manual item naming the fields.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from robot.config import private_folder, write_private
from robot.formats.application import NotAnApplication, load_top_level
from robot.intake.documents import Document
from robot.logs import redact

IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".swp")
UNFINISHED_AFTER = dt.timedelta(hours=24)
"""A file still named as being written (`.tmp`, `.part`) after this long is rejected as unfinished."""


@dataclass(frozen=True)
class Rejected:
    path: Path
    reason: str


class Unreadable(Exception):
    """Not read: too large, not a regular file, a link. The message is the reason."""


def collect(paths: list[Path]) -> Iterator[Path]:
    """Files as given, and the *.json entries in folders (recursively, links not followed), streamed.

    Nothing is listed up front, so memory stays flat however many files a folder holds; the order
    within a folder is the file system's (the queue orders applications by deadline anyway). An
    entry that is not a regular file (a link, a FIFO) is yielded too: reading rejects it, with why.
    """
    for path in paths:
        if path.is_symlink() or not path.is_dir():
            yield path
            continue
        folders = [path]
        while folders:
            folder = folders.pop()
            with os.scandir(folder) as entries:
                for entry in entries:  # `folder / name`: the Path of entry.path, without parsing the folder again
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(folder / entry.name)
                    elif entry.name.endswith(".json") and _wanted(entry.name):
                        yield folder / entry.name


def chunked(paths: Iterator[Path], size: int) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    for path in paths:
        chunk.append(path)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _wanted(name: str) -> bool:
    return not name.startswith(".") and not name.endswith(IGNORED_SUFFIXES)


def _kind(mode: int) -> str:
    for test, what in ((stat.S_ISLNK, "a symbolic link (not followed)"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):  # fmt: skip
        if test(mode):
            return what
    return "not a regular file"


def read_limited(path: Path, limit: int) -> bytes:
    """The file's bytes, at most `limit`; Unreadable unless it is a regular file reached without a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise Unreadable("a symbolic link (not followed)") from None
        raise exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"{_kind(info.st_mode)}, not a regular file")
        if info.st_nlink > 1:
            raise Unreadable("a file with other names (a hard link), not read")
        # Read on the descriptor, sized by the file: a file object's buffers cost a third of reading a file.
        data = os.read(fd, min(info.st_size, limit) + 1)
        while len(data) <= limit:  # to the end, or past the limit (a file that grew since fstat)
            more = os.read(fd, limit + 1 - len(data))
            if not more:
                break
            data += more
    finally:
        os.close(fd)
    if len(data) > limit:
        raise Unreadable(f"larger than the intake limit of {limit} bytes")
    return data


def read_documents(paths: list[Path], limit: int, source: str) -> tuple[list[tuple[Path, Document]], list[Rejected]]:
    """Read files into documents; anything that cannot be an application is rejected with its reason."""
    accepted: list[tuple[Path, Document]] = []
    rejected: list[Rejected] = []
    for path in paths:
        try:
            raw = read_limited(path, limit)
            parsed = load_top_level(raw)
        except (Unreadable, NotAnApplication) as exc:
            rejected.append(Rejected(path, str(exc)))
        except OSError as exc:
            rejected.append(Rejected(path, f"cannot read: {exc.strerror}"))
        else:
            accepted.append((path, Document(raw, f"{source}:{redact(path.name)}", parsed)))
    return accepted, rejected


def inbox_files(inbox: Path, now: dt.datetime, limit: int = 10_000) -> tuple[list[Path], list[Rejected]]:
    """The regular files waiting directly in the inbox, and everything else there with why it is refused.

    The e-service writes each file atomically (temporary name, then rename): a name ending in `.tmp`
    or `.part` is left alone while it is being written, and refused when still there a day later.
    """
    if not inbox.is_dir():
        return [], []
    files: list[Path] = []
    refused: list[Rejected] = []
    with os.scandir(inbox) as entries:
        found = sorted(entries, key=lambda e: e.name)
    for entry in found[:limit]:
        path = Path(entry.path)
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # taken meanwhile
            continue
        if entry.name.endswith(IGNORED_SUFFIXES) and stat.S_ISREG(info.st_mode):
            if now.timestamp() - info.st_mtime > UNFINISHED_AFTER.total_seconds():
                refused.append(Rejected(path, f"an unfinished upload (still named {path.suffix} after a day)"))
        elif not stat.S_ISREG(info.st_mode):
            refused.append(Rejected(path, f"{_kind(info.st_mode)}: only regular files directly in the inbox are read"))
        elif entry.name.startswith("."):
            refused.append(Rejected(path, "a hidden file (its name starts with a dot)"))
        else:
            files.append(path)
    return files, refused


def move_to_rejected(path: Path, reason: str, rejected_dir: Path, now: dt.datetime) -> Path:
    """Keep a rejected file (or link, FIFO, folder) with an error file beside it; never drop it.

    The moved entry is made private (0600, a folder 0700); a link is moved as a link, never followed.
    """
    private_folder(rejected_dir)
    target = rejected_dir / path.name
    n = 1
    while os.path.lexists(target) or os.path.lexists(_error_file(target)):
        target = rejected_dir / f"{path.stem}.{n}{path.suffix}"
        n += 1
    os.replace(path, target)
    mode = os.lstat(target).st_mode
    if stat.S_ISDIR(mode):
        os.chmod(target, 0o700)
    elif stat.S_ISREG(mode) or stat.S_ISFIFO(mode):
        os.chmod(target, 0o600)
    write_private(
        _error_file(target),
        f"rejected_at: {now.isoformat()}\nfile: {path.name!r}\nreason: {reason}\n".encode(),
    )
    return target


def _error_file(target: Path) -> Path:
    return target.with_name(target.name + ".error.txt")
