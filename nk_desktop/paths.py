"""Where things live on this PC (platformdirs), and the bundled resources."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "NK Desktop"
APP_AUTHOR = "NguyenKhuyen"
PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES = PACKAGE_DIR / "resources"
MIGRATIONS = PACKAGE_DIR / "migrations"


def data_dir() -> Path:
    """The machine-wide data folder (one database per PC, sync-design §9.1)."""
    override = os.environ.get("NK_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.site_data_dir(APP_NAME, APP_AUTHOR)) if os.name == "nt" else Path(
        platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)
    )


def default_database() -> Path:
    return data_dir() / "nk-desktop.sqlite"
