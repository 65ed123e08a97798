"""`statement-room-hq laws import` on a real HQ: the statute texts of resources/laws become
the ``laws`` dataset a device fetches under HQ's signed manifest, with the provenance of
every statute; a text the reader refuses publishes nothing and names the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

from legal.library.model import Level, Library
from tests.hq.client import enrolled
from tests.hq.test_refdata import manifest
from tests.legal.laws import LAWS, shipped_library
from tests.support.hq_server import RunningHQ

EDITION = "测试 法规库"


def test_the_shipped_texts_are_published_as_the_laws_dataset(hq_server: RunningHQ,
                                                              tmp_path: Path) -> None:
    done = hq_server.admin("laws", "import", str(LAWS), "--edition", EDITION,
                           "--compiled", "2026-12-07")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Law library 「{EDITION}」 compiled 2026-12-07: 19 statutes, 1139 articles"
    assert lines[1] == ("Source: LawRefBook/Laws, snapshot 2f4c5c2 (2025-04-19), from "
                        "flk.npc.gov.cn; not verified against the official gazette")
    assert any(line.startswith("  中华人民共和国行政处罚法 (2021-01-22, law, 86 articles, in "
                               "force from 2021-07-15) 行政处罚法(2021-01-22).md sha256 ")
               for line in lines)
    assert lines[-1] == "laws version 1 published"

    device = enrolled(hq_server)
    offered = manifest(device).body.datasets["laws"]
    data = device.call("GET", f"/v1/ref/laws/{offered.version}").body
    library = Library.from_bytes(data)
    assert library == shipped_library(EDITION)  # every statute, article and provenance
    again = hq_server.admin("laws", "import", str(LAWS), "--edition", EDITION,
                            "--compiled", "2026-12-07")
    assert again.stdout.splitlines()[-1] == (
        "laws version 1 unchanged: the same bytes are already published")

    # One file's level corrected by the operator: a new version.
    name = "嘉兴市餐饮业油烟管理办法(2020-04-10).md"
    corrected = hq_server.admin("laws", "import", str(LAWS), "--edition", EDITION,
                                "--compiled", "2026-12-07", "--level", f"{name}=local_rule")
    assert corrected.stdout.splitlines()[-1] == "laws version 2 published", corrected.stderr
    offered = manifest(device).body.datasets["laws"]
    newer = Library.from_bytes(device.call("GET", f"/v1/ref/laws/{offered.version}").body)
    statute = newer.statute("嘉兴市餐饮业油烟管理办法")
    assert statute is not None and statute.level == Level.LOCAL_RULE

    # A broken text among good ones: nothing is published, the file and line are named.
    texts = tmp_path / "laws"
    shutil.copytree(LAWS, texts)
    broken = texts / "行政处罚法(2021-01-22).md"
    broken.write_text(broken.read_text("utf-8").replace("第三十四条", "第三十二条", 1), "utf-8")
    refused = hq_server.admin("laws", "import", str(texts))
    assert refused.returncode == 2 and refused.stdout == ""
    assert "the law library was not published: 行政处罚法(2021-01-22).md:" in refused.stderr
    assert "第三十二条 again (first on line" in refused.stderr
    bad_level = hq_server.admin("laws", "import", str(LAWS), "--level", f"{name}=kingdom")
    assert bad_level.returncode == 2 and "give FILE=LEVEL" in bad_level.stderr
    empty = hq_server.admin("laws", "import", str(tmp_path))
    assert empty.returncode == 2 and "no statute file (*.md) in this folder" in empty.stderr
    assert manifest(device).body.datasets["laws"].version == 2
