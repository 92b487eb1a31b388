"""The parsed-spec cache: used when fresh, refreshed when the file changes, skipped when it cannot be written."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from smsmock.documents import bundled_spec_paths, read_document
from smsmock.documents import cached_document as _cached_document


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    target = tmp_path / "specs" / "smsflow.yaml"
    target.parent.mkdir()
    shutil.copy(bundled_spec_paths()["smsflow"], target)
    return target


def test_the_cache_holds_the_same_document_and_is_read_back(spec_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SMSMOCK_CACHE_DIR", str(tmp_path / "cache"))
    first = _cached_document(spec_copy)
    files = list((tmp_path / "cache").glob("smsflow-*.marshal"))
    assert first == read_document(spec_copy) and len(files) == 1
    monkeypatch.setattr("smsmock.documents.read_document", lambda path: pytest.fail("parsed again"))
    assert _cached_document(spec_copy) == first


def test_an_edited_spec_is_parsed_afresh_and_replaces_its_old_entry(spec_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SMSMOCK_CACHE_DIR", str(tmp_path / "cache"))
    _cached_document(spec_copy)
    spec_copy.write_text(spec_copy.read_text(encoding="utf-8").replace("title: SMSFlow API", "title: SMSFlow edited", 1), encoding="utf-8")
    os.utime(spec_copy, ns=(1, 1))
    assert _cached_document(spec_copy)["info"]["title"] == "SMSFlow edited"
    assert len(list((tmp_path / "cache").glob("smsflow-*.marshal"))) == 1


def test_a_corrupt_entry_or_an_unwritable_cache_falls_back_to_parsing(spec_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SMSMOCK_CACHE_DIR", str(tmp_path / "cache"))
    expected = read_document(spec_copy)
    _cached_document(spec_copy)
    entry = next((tmp_path / "cache").glob("smsflow-*.marshal"))
    entry.write_bytes(b"\x00 not marshal")
    assert _cached_document(spec_copy) == expected
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SMSMOCK_CACHE_DIR", str(blocker / "cache"))
    assert _cached_document(spec_copy) == expected
