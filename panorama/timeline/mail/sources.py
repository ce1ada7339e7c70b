"""Where messages come from: ``.eml`` files, ``.mbox`` files and directories of them.

A directory is searched recursively for ``*.eml`` and ``*.mbox`` files (and Apple Mail's
``Name.mbox/mbox`` export files). A file named on the command line is read as an mbox when its
name ends in ``.mbox`` or when it starts with an mbox ``From `` line, else as one message.

``MailReader.locate`` lists every message with a label for reports (``path`` or
``path #N`` inside an mbox) and its date from the headers, so the importer can take them
oldest first; ``MailReader.read`` returns a message's bytes. Pure: no ORM.
"""

from __future__ import annotations

import datetime as dt
import errno
import mailbox
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from panorama.timeline.mail.message import header_date

EML_SUFFIX = ".eml"
MBOX_SUFFIXES = (".mbox", ".mbx")
MBOX_MAGIC = b"From "
_MBOX_ESCAPED_FROM = re.compile(rb"(?m)^>(>*From )")


@dataclass(frozen=True)
class MailFile:
    path: Path
    is_mbox: bool


@dataclass(frozen=True)
class LocatedMessage:
    """A message found in a file: where (for reports), its position and its header date."""

    label: str
    file: MailFile
    key: str | None  # the mbox key; None for an .eml file
    order: int  # position in the files as given, for a stable sort
    date: dt.datetime | None


@dataclass(frozen=True)
class UnreadableSource:
    """A file (or an mbox message) that couldn't be read at all, and why."""

    label: str
    reason: str


def find_mail_files(paths: Iterable[str | os.PathLike[str]]) -> list[MailFile]:
    """The mail files named or under the directories named, each once, in a stable order.

    Raises ``FileNotFoundError`` naming the first path that doesn't exist.
    """
    found: dict[Path, MailFile] = {}
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and _is_mail_file_name(child):
                    found.setdefault(child.resolve(), MailFile(child, _is_mbox_name(child)))
        else:
            found.setdefault(path.resolve(), MailFile(path, _is_mbox(path)))
    return list(found.values())


def _is_mbox_name(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(MBOX_SUFFIXES) or (
        name == "mbox" and path.parent.name.lower().endswith(MBOX_SUFFIXES)
    )


def _is_mail_file_name(path: Path) -> bool:
    return path.name.lower().endswith(EML_SUFFIX) or _is_mbox_name(path)


def _is_mbox(path: Path) -> bool:
    if _is_mbox_name(path):
        return True
    if path.name.lower().endswith(EML_SUFFIX):
        return False
    try:
        with path.open("rb") as handle:
            return handle.read(len(MBOX_MAGIC)) == MBOX_MAGIC
    except OSError:
        return False


@dataclass
class MailReader:
    """Reads messages from mail files; a context manager that closes the mboxes it opened."""

    files: list[MailFile]
    _boxes: dict[Path, mailbox.mbox] = field(default_factory=dict)

    def __enter__(self) -> MailReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for box in self._boxes.values():
            box.close()
        self._boxes.clear()

    def locate(
        self, progress: Callable[[int], None] | None = None
    ) -> Iterator[LocatedMessage | UnreadableSource]:
        """Every message of every file, with its header date; files that can't be read are
        ``UnreadableSource``. ``progress`` is called with 1 per message found."""
        order = 0
        for mail_file in self.files:
            keys = self._keys(mail_file)
            if isinstance(keys, UnreadableSource):
                yield keys
                continue
            for key, label in keys:
                try:
                    raw = self.read_key(mail_file, key)
                except (OSError, KeyError, ValueError) as exc:
                    yield UnreadableSource(label, f"cannot read: {_describe(exc)}")
                    continue
                order += 1
                if progress is not None:
                    progress(1)
                yield LocatedMessage(label, mail_file, key, order, header_date(raw))

    def read(self, located: LocatedMessage) -> bytes:
        """The message's bytes (raises ``OSError`` if the file can't be read any more)."""
        return self.read_key(located.file, located.key)

    def read_key(self, mail_file: MailFile, key: str | None) -> bytes:
        if key is None:
            return mail_file.path.read_bytes()
        # mbox writers escape body lines starting with "From " as ">From " (and mboxrd
        # ">From " as ">>From "): undo one level, or they would read as quoted lines.
        return _MBOX_ESCAPED_FROM.sub(rb"\1", self._box(mail_file.path).get_bytes(key))

    def _keys(self, mail_file: MailFile) -> list[tuple[str | None, str]] | UnreadableSource:
        """(mbox key or None, label) of each message of the file, or why it can't be read."""
        path = mail_file.path
        if not mail_file.is_mbox:
            return [(None, str(path))]
        try:
            with path.open("rb") as handle:
                start = handle.read(len(MBOX_MAGIC))
            if start and start != MBOX_MAGIC:
                return UnreadableSource(
                    str(path), "not an mbox file: it doesn't start with a 'From ' line"
                )
            keys = list(self._box(path).iterkeys())
        except OSError as exc:
            return UnreadableSource(str(path), f"cannot read: {_describe(exc)}")
        return [(key, f"{path} #{number}") for number, key in enumerate(keys, start=1)]

    def _box(self, path: Path) -> mailbox.mbox:
        box = self._boxes.get(path)
        if box is None:
            box = self._boxes[path] = mailbox.mbox(path, create=False)
        return box


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
