"""Uploaded CSV files kept between the preview and the apply of an import.

Each file is stored in ``DATA_DIR/imports/`` under a random name (never the uploaded one),
readable by Panorama's user only, beside a small JSON record of who uploaded it, for which
kind of import, and when. Only its uploader may use it; it is deleted after it is applied, and
any file older than ``UPLOAD_TTL`` is deleted the next time someone uploads or opens one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from panorama.core import clock

UPLOAD_TTL = dt.timedelta(hours=2)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class StoredUpload:
    token: str
    kind: str
    filename: str
    user_id: int
    uploaded_at: dt.datetime

    @property
    def path(self) -> Path:
        return upload_dir() / f"{self.token}.csv"

    def read(self) -> bytes:
        return self.path.read_bytes()


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _write_private(path: Path, data: bytes) -> None:
    # Created readable by its owner only, and never over an existing file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def store_upload(*, data: bytes, filename: str, kind: str, user_id: int) -> StoredUpload:
    """Keep ``data`` under a new random name and return its record."""
    sweep_expired()
    token = secrets.token_urlsafe(24)  # 32 characters, 192 bits
    upload = StoredUpload(token, kind, Path(filename).name[:200], user_id, clock.now())
    _write_private(upload.path, data)
    meta = {
        "kind": kind,
        "filename": upload.filename,
        "user_id": user_id,
        "uploaded_at": upload.uploaded_at.isoformat(),
    }
    _write_private(upload_dir() / f"{token}.json", json.dumps(meta).encode())
    return upload


def load_upload(token: str, *, user_id: int) -> StoredUpload | None:
    """The upload ``token`` names if ``user_id`` uploaded it and it has not expired."""
    if not TOKEN.match(token):
        return None
    try:
        meta = json.loads((upload_dir() / f"{token}.json").read_text())
        upload = StoredUpload(
            token,
            meta["kind"],
            meta["filename"],
            int(meta["user_id"]),
            dt.datetime.fromisoformat(meta["uploaded_at"]),
        )
    except (OSError, ValueError, KeyError):
        return None
    if clock.now() - upload.uploaded_at > UPLOAD_TTL:
        delete_upload(token)
        return None
    if upload.user_id != user_id or not upload.path.exists():
        return None
    return upload


def delete_upload(token: str) -> None:
    for suffix in (".csv", ".json"):
        (upload_dir() / f"{token}{suffix}").unlink(missing_ok=True)


def sweep_expired() -> int:
    """Delete uploads older than ``UPLOAD_TTL``; return how many."""
    limit = (clock.now() - UPLOAD_TTL).timestamp()
    removed = 0
    for path in upload_dir().glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                delete_upload(path.stem)
                removed += 1
        except OSError:
            continue
    # A file whose record is gone (a crash between the two writes) goes too.
    for path in upload_dir().glob("*.csv"):
        if not path.with_suffix(".json").exists():
            try:
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
    return removed
