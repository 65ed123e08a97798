"""HQ speaks Chinese to its operator (the default, `HQ_LANG` or `--lang`, hq/i18n.py), from
the desktop's one catalog; what HQ sends devices (wire error messages) stays English."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hq.cli import main
from tests.hq.client import enrolled
from tests.support.hq_server import RunningHQ, start_hq

ROOT = Path(__file__).resolve().parents[2]


def _hq(*args: str, language: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HQ_LANG", "LANGUAGE")}
    if language is not None:
        env["HQ_LANG"] = language
    return subprocess.run([sys.executable, "-m", "hq", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_an_operator_who_sets_nothing_reads_chinese(tmp_path: Path) -> None:
    helped = _hq("--help", language=None)
    assert helped.returncode == 0
    assert "用法：statement-room-hq" in helped.stdout
    assert "电子笔录室局机关服务器" in helped.stdout
    assert "运行局机关服务器" in helped.stdout  # serve
    assert "为一台设备生成一次性注册码" in helped.stdout  # enrol-code

    code = _hq("--data", str(tmp_path / "hq"), "enrol-code", language=None)
    assert code.returncode == 0, code.stderr
    # The code alone on stdout (the demo and scripts read it), the operator's note beside it.
    assert re.fullmatch(r"[0-9a-f]+-[0-9a-z]+\n", code.stdout), code.stdout
    assert "一次性注册码，24 小时内有效" in code.stderr

    nothing = _hq("--data", str(tmp_path / "hq"), "gaps", language=None)
    assert (nothing.returncode, nothing.stdout) == (0, "没有缺失的序号\n")
    english = _hq("--lang", "en", "--data", str(tmp_path / "hq"), "gaps", language="zh_CN")
    assert english.stdout == "no gaps\n"  # --lang wins over HQ_LANG


def test_the_device_list_and_a_revocation_in_chinese(
        hq_server: RunningHQ, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    device = enrolled(hq_server)
    # On the PostgreSQL lane the admin commands are told the server's database (--db-url).
    data = ["--data", str(hq_server.data_dir),
            *(["--db-url", hq_server.db_url] if hq_server.db_url else [])]
    monkeypatch.setenv("HQ_LANG", "zh_CN")

    assert main([*data, "devices"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{device.id}  desk-1  注册于 20")
    # No certificate (HQ holds no unit CA), not seen since its enrolment.
    assert "  在用  证书 -  最后联系 -  时钟偏差 - 毫秒" in line
    assert line.endswith("审计日志已收 0 条事件，尚无会签的树头")

    assert main([*data, "revoke-device", device.id]) == 0
    assert capsys.readouterr().out == f"已吊销设备 {device.id} 及局机关为其签发的证书\n"
    assert main([*data, "devices"]) == 0
    assert "  已于 20" in capsys.readouterr().out
    assert main([*data, "revoke-device", "0123456789abcdef"]) == 1
    assert capsys.readouterr().err == "没有已注册的设备 0123456789abcdef\n"


def test_what_hq_sends_a_device_stays_english_whatever_its_operator_reads(
        tmp_path: Path) -> None:
    server = start_hq(tmp_path / "hq", env={"HQ_LANG": "zh_CN"})
    try:
        assert "局机关服务器 hq-" in server.log()  # its start, in the operator's words
        device = enrolled(server)
        assert server.admin("revoke-device", device.id).returncode == 0
        refused = device.call("GET", "/v1/log/head")
        assert (refused.status, refused.error) == (403, "device_revoked")
        assert refused.json()["message"] == f"device {device.id} was revoked"
    finally:
        server.stop()
