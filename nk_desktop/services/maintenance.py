"""Backing up and restoring this PC's database (the school's USB backups), with permission checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.services.permissions import Action, require
from nk_desktop.sync import backup as backups


def _file_of(db: Database) -> Path:
    if not db.is_sqlite:
        raise ValidationError(_("Sao lưu ra USB dành cho tệp dữ liệu SQLite; máy chủ PostgreSQL có cách sao lưu riêng."))
    return Path(db.location)


def backup_database(db: Database, actor: Actor, folder: Path, *, passphrase: str | None, **kwargs) -> backups.BackupInfo:
    """A verified, rotated backup of this database in *folder* (encrypted unless *passphrase* is None)."""
    with db.read() as session:
        require(session, actor, Action.BACKUP)
    return backups.backup(_file_of(db), Path(folder), passphrase=passphrase, **kwargs)


def inspect_backup(db: Database, actor: Actor, path: Path, *, passphrase: str | None) -> backups.BackupInfo:
    with db.read() as session:
        require(session, actor, Action.BACKUP)
    return backups.verify(Path(path), passphrase)


def restore_database(db: Database, actor: Actor, path: Path, *, passphrase: str | None,
                     now: dt.datetime | None = None) -> tuple[backups.BackupInfo, Path | None]:
    """Replace this database with the backup (the caller has asked for confirmation); the engine is closed."""
    with db.read() as session:
        require(session, actor, Action.RESTORE)
    target = _file_of(db)
    backups.check_restorable(Path(path), passphrase)  # refuse before the database is closed or touched
    db.dispose()
    return backups.restore(Path(path), target, passphrase=passphrase, now=now)
