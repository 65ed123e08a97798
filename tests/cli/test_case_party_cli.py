"""`statement-room case party|party-unit|party-person`, the real command in a child process on
a real store (decision 54): a unit named, shown, corrected with a reason, a wrong credit code
refused with the reason in the user's language, and nothing kept from a refused command."""

from __future__ import annotations

from tests.cli.helpers import last_json, run_cli
from tests.conftest import PASSWORD, World

CODE = "91110101TE00000019"  # synthetic, with its check character
UNIT = ["--name", "测试科技有限公司", "--credit-code", CODE, "--representative", "测试法人乙",
        "--address", "北京市东城区测试大街1号"]


def test_a_unit_is_named_shown_and_corrected_with_a_reason(world: World) -> None:
    workdir = ["--workdir", str(world.paths.workdir)]
    env = {"STATEMENT_ROOM_OFFICER": "TEST0001", "STATEMENT_ROOM_PASSWORD": PASSWORD}
    number = world.case.number
    world.store.close()
    shown = run_cli("case", "party", number, *workdir, env=env)
    assert shown.returncode == 0, shown.stderr
    assert f"The party of case {number} is the person interviewed." in shown.stdout

    named = run_cli("case", "party-unit", number, *UNIT, "--phone", "010-00000001", "--json",
                    *workdir, env=env)
    assert named.returncode == 0, named.stderr
    party = last_json(named.stdout)["party"]
    assert (party["version"], party["kind"]) == (1, "unit")
    assert party["unit"] == {"name": "测试科技有限公司", "credit_code": CODE,
                             "representative": "测试法人乙",
                             "representative_title": "legal_representative",
                             "address": "北京市东城区测试大街1号", "phone": "010-00000001"}

    unexplained = run_cli("case", "party-unit", number, *UNIT, "--title", "principal",
                          *workdir, env=env)
    assert unexplained.returncode == 1
    assert "say why it is named again" in unexplained.stderr

    corrected = run_cli("case", "party-unit", world.case.id, *UNIT, "--title", "principal",
                        "--reason", "系分公司，应为负责人", *workdir, env=env)
    assert corrected.returncode == 0, corrected.stderr
    out = corrected.stdout
    assert f"The party of case {number} is a unit:" in out
    assert f"Unified social credit code: {CODE}" in out and "Principal: 测试法人乙" in out
    assert "Version 1: 测试科技有限公司" in out
    assert "Version 2: 测试科技有限公司" in out and "(why: 系分公司，应为负责人)" in out
    assert "测试管理员 (TEST0001)" in out
    case_show = run_cli("case", "show", number, *workdir, env=env)
    assert case_show.returncode == 0, case_show.stderr
    assert (f"Party: 测试科技有限公司 (unit; unified social credit code {CODE})"
            in case_show.stdout)
    case_json = last_json(run_cli("case", "show", number, "--json", *workdir, env=env).stdout)
    assert case_json["party"]["version"] == 2
    assert case_json["party"]["unit"]["representative_title"] == "principal"

    back = run_cli("case", "party-person", number, "--reason", "经核实当事人系个人", "--json",
                   *workdir, env=env)
    assert back.returncode == 0, back.stderr
    result = last_json(back.stdout)
    assert result["party"]["kind"] == "person" and result["party"]["unit"] is None
    assert [h["version"] for h in result["history"]] == [1, 2, 3]


def test_a_wrong_credit_code_is_refused_in_the_user_s_language(world: World) -> None:
    workdir = ["--workdir", str(world.paths.workdir)]
    env = {"STATEMENT_ROOM_OFFICER": "TEST0001", "STATEMENT_ROOM_PASSWORD": PASSWORD}
    number = world.case.number
    world.store.close()
    wrong = [a if a != CODE else CODE[:17] + "8" for a in UNIT]
    refused = run_cli("case", "party-unit", number, *wrong, *workdir, env=env)
    assert refused.returncode == 1
    assert "check character does not match" in refused.stderr
    chinese = run_cli("--lang", "zh_CN", "case", "party-unit", number, *wrong, *workdir,
                      env=env)
    assert chinese.returncode == 1
    assert "统一社会信用代码" in chinese.stderr and "校验码" in chinese.stderr
    assert "check character" not in chinese.stderr
    # Nothing was kept.
    shown = run_cli("case", "party", number, "--json", *workdir, env=env)
    assert shown.returncode == 0, shown.stderr
    assert last_json(shown.stdout)["party"] is None
