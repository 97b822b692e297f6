"""Test-wide isolation, set at import time before Qt, keyring or platformdirs are loaded.

Tests must never open a real window, touch the developer's keyring, or write into the real
home folder (platformdirs puts the school database and settings there).
"""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

_FAKE_HOME = tempfile.mkdtemp(prefix="nk-test-home-")
os.environ["HOME"] = _FAKE_HOME
os.environ["USERPROFILE"] = _FAKE_HOME
for _name, _sub in {
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_CACHE_HOME": ".cache",
    "XDG_STATE_HOME": ".local/state",
    "XDG_RUNTIME_DIR": "runtime",
    "APPDATA": "AppData/Roaming",
    "LOCALAPPDATA": "AppData/Local",
}.items():
    _path = os.path.join(_FAKE_HOME, _sub)
    os.makedirs(_path, mode=0o700, exist_ok=True)
    os.environ[_name] = _path
os.environ["NK_DATA_DIR"] = os.path.join(_FAKE_HOME, "nk-data")
os.environ.pop("NK_DATABASE_URL", None)
