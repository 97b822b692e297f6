"""The shared folder: publish without overwrite, read back, retries, status files, temp files."""

from __future__ import annotations

import os
import time

import pytest

from nk_desktop.sync.share import Collision, Share, ShareError


def test_publish_never_overwrites(tmp_path):
    share = Share(tmp_path)
    assert share.publish("nodes/x/seg-0000000001.jrn", b"first") is True
    assert share.publish("nodes/x/seg-0000000001.jrn", b"first") is False  # a retry after a crash: same bytes
    with pytest.raises(Collision):
        share.publish("nodes/x/seg-0000000001.jrn", b"other")
    assert share.read("nodes/x/seg-0000000001.jrn") == b"first"
    assert [n for n in os.listdir(tmp_path / "nodes" / "x")] == ["seg-0000000001.jrn"]  # no temp left behind


def test_a_rename_refused_for_a_while_is_retried(tmp_path, monkeypatch):
    share = Share(tmp_path, rename_retry_seconds=5)
    calls = {"n": 0}
    real_link = os.link

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] < 4:
            raise PermissionError(13, "The process cannot access the file (antivirus)")
        return real_link(src, dst)
    monkeypatch.setattr(os, "link", flaky)
    if os.name == "nt":
        monkeypatch.setattr(os, "rename", flaky)
    assert share.publish("a.bin", b"data") is True and calls["n"] == 4


def test_a_rename_refused_for_too_long_gives_up_and_leaves_nothing(tmp_path, monkeypatch):
    share = Share(tmp_path, rename_retry_seconds=0.1)

    def refuse(src, dst):
        raise PermissionError(13, "denied")
    monkeypatch.setattr(os, "link", refuse)
    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(PermissionError):
        share.publish("a.bin", b"data")
    assert os.listdir(tmp_path) == []


def test_a_read_back_that_differs_removes_the_own_file(tmp_path, monkeypatch):
    share = Share(tmp_path)
    monkeypatch.setattr(Share, "read", lambda self, relative: b"garbage")
    with pytest.raises(ShareError):
        share.publish("a.bin", b"data")
    assert not (tmp_path / "a.bin").exists()


def test_listing_ignores_temps_status_and_reports_unknown_names(tmp_path):
    folder = tmp_path / "nodes" / ("ab" * 16)
    folder.mkdir(parents=True)
    for name in ("seg-0000000001.jrn", "seg-0000000002.jrn", ".tmp-123", "status.json",
                 "pack-0000000003-0000000009.jrnpack", "seg-0000000002-conflict-PC2.jrn"):
        (folder / name).write_bytes(b"x")
    segments, packs, unknown = Share(tmp_path).segments("ab" * 16)
    assert segments == {1: "seg-0000000001.jrn", 2: "seg-0000000002.jrn"}
    assert packs == [(3, 9, "pack-0000000003-0000000009.jrnpack")]
    assert unknown == ["seg-0000000002-conflict-PC2.jrn"]


def test_own_temps_older_than_a_day_are_cleaned(tmp_path):
    share = Share(tmp_path)
    folder = tmp_path / "nodes" / "n"
    folder.mkdir(parents=True)
    (folder / ".tmp-old").write_bytes(b"x")
    (folder / ".tmp-new").write_bytes(b"x")
    old = time.time() - 2 * 86400
    os.utime(folder / ".tmp-old", (old, old))
    assert share.clean_own_temps("n") == 1
    assert sorted(os.listdir(folder)) == [".tmp-new"]


def test_status_files_and_the_server_clock(tmp_path):
    share = Share(tmp_path)
    share.write_status("n", {"pc_name": "PC-THUVIEN", "last_seq": 4})
    assert share.read_status("n")["pc_name"] == "PC-THUVIEN"
    (tmp_path / "nodes" / "m").mkdir()
    (tmp_path / "nodes" / "m" / "status.json").write_text("{not json")
    assert share.read_status("m") is None
    assert abs(share.server_time("n") - time.time()) < 5
    assert os.listdir(tmp_path / "nodes" / "n") == ["status.json"]
