"""The configuration module: the variables read through it, and the settings file."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from desktop import config
from desktop.config import DEMO_PORTS, DevicePorts, Settings, settings_path
from desktop.i18n import set_language
from desktop.services.demo_login import DEMO_PASSWORD, demo_password
from desktop.services.dock import DEFAULT_DEVICE_PASSWORD, configured_device_password
from desktop.services.signing import configured_timestamper
from desktop.store.paths import StorePaths


def test_settings_survive_a_round_trip_through_their_file(tmp_path: Path) -> None:
    chosen = Settings(idle_lock_minutes=3, long_interview_hours=2.5, delete_originals=True,
                      sm3=True, language="en",
                      ports=DevicePorts(idcard="serial:///dev/ttyUSB0", bodycam="socket://h:1"))
    path = settings_path(tmp_path)
    path.write_bytes(chosen.to_json())
    assert path.name == "settings.json"
    assert Settings.load(path) == chosen
    # A person can read (and fix) the file.
    assert json.loads(path.read_text(encoding="utf-8"))["ports"]["idcard"] == (
        "serial:///dev/ttyUSB0")


@pytest.mark.parametrize("content", [b"", b"not json", b"[1, 2]", b'{"idle_lock_minutes": 5, '
                                     b'"ports": {"idcard": "x", "nonsense": 1}, "extra": true}',
                                     b'{"idle_lock_minutes": 5, "ports": "serial"}'])
def test_a_damaged_or_foreign_settings_file_never_stops_the_program(tmp_path: Path,
                                                                    content: bytes) -> None:
    path = settings_path(tmp_path)
    path.write_bytes(content)
    loaded = Settings.load(path)
    if b"idle_lock_minutes" in content:  # what is known is kept, the rest is ignored
        assert loaded.idle_lock_minutes == 5
        assert loaded.ports.idcard == ("x" if b'"idcard"' in content else "")
    else:
        assert loaded == Settings()
    assert Settings.load(tmp_path / "missing.json") == Settings()


def test_the_demo_ports_are_emulators_only() -> None:
    for url in vars(DEMO_PORTS).values():
        assert url.startswith("emu-")


def test_every_variable_is_read_through_config(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    for name in (config.ANCHOR, config.TSA_URL, config.DEVICE_PASSWORD, config.PASSWORD,
                 config.LANGUAGE):
        monkeypatch.delenv(name, raising=False)
    paths = StorePaths(tmp_path / "store")
    assert paths.anchor_mirrors() == [paths.anchor]
    assert configured_timestamper() is None
    assert configured_device_password() == DEFAULT_DEVICE_PASSWORD
    assert demo_password() == DEMO_PASSWORD
    assert set_language() == "zh_CN"

    monkeypatch.setenv(config.ANCHOR, str(tmp_path / "mirror.json"))
    monkeypatch.setenv(config.TSA_URL, "  http://127.0.0.1:9/tsr  ")
    monkeypatch.setenv(config.DEVICE_PASSWORD, "135790")
    monkeypatch.setenv(config.PASSWORD, "Another2026pass")
    monkeypatch.setenv(config.LANGUAGE, "en")
    assert paths.anchor_mirrors() == [paths.anchor, tmp_path / "mirror.json"]
    assert config.tsa_url() == "http://127.0.0.1:9/tsr"
    assert configured_timestamper() is not None
    assert configured_device_password() == "135790"
    assert demo_password() == "Another2026pass"
    assert set_language() == "en"  # (tests/conftest.py sets the language back after a test)


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.TSA_URL, "   ")
    monkeypatch.setenv(config.DEVICE_PASSWORD, "")
    assert config.tsa_url() is None
    assert configured_device_password() == DEFAULT_DEVICE_PASSWORD


def test_config_imports_nothing_of_the_program() -> None:
    source = Path(config.__file__).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not {name for name in imported if name.split(".")[0] in ("desktop", "hardware",
                                                                     "sync")}
