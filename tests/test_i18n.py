"""The Chinese catalog is complete and fresh, and the home-made .po/.mo tools are correct."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.security import check_password_strength
from desktop.i18n import set_language
from tools.i18n import (
    PO_RELPATH,
    PoError,
    check,
    compile_mo,
    extract,
    extract_messages,
    parse_po,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")

SAMPLE_PO = r"""# A catalog exercising every construct the parser must handle.
msgid ""
msgstr ""
"Language: zh_CN\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#. a comment from the code
#: desktop/a.py:1 desktop/b.py:2
msgid "{count} statement"
msgid_plural "{count} statements"
msgstr[0] "{count} 份笔录（单数）"
msgstr[1] "{count} 份笔录"

msgid ""
"First line\n"
"Second line with \"quotes\",\ta tab and a \\ backslash"
msgstr ""
"第一行\n"
"第二行，含“引号”\t"
"制表符和 \\ 反斜杠"

msgctxt "statement state"
msgid "signed"
msgstr "已签名"

#, fuzzy
#| msgid "Old text"
msgid "Reviewed text"
msgstr "尚待审校的译文"

msgid "Untranslated"
msgstr ""

#~ msgid "Gone"
#~ msgstr "已删除"
"""


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("en")


def test_repository_catalog_is_complete_and_fresh() -> None:
    problems = check()
    assert problems == [], "run `python3 tools/i18n.py extract`, translate, then check:\n" + (
        "\n".join(problems)
    )


def test_compiled_catalog_reads_back_with_stdlib_gettext(tmp_path: Path) -> None:
    po = tmp_path / "sample.po"
    po.write_text(SAMPLE_PO, encoding="utf-8")
    mo = compile_mo(po, tmp_path / "sample.mo")
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)

    assert catalog.info()["language"] == "zh_CN"
    assert catalog.charset() == "UTF-8"
    one, many = "{count} statement", "{count} statements"
    assert catalog.ngettext(one, many, 1) == "{count} 份笔录（单数）"
    assert catalog.ngettext(one, many, 5) == "{count} 份笔录"
    english = 'First line\nSecond line with "quotes",\ta tab and a \\ backslash'
    assert catalog.gettext(english) == "第一行\n第二行，含“引号”\t制表符和 \\ 反斜杠"
    assert catalog.pgettext("statement state", "signed") == "已签名"
    assert catalog.gettext("signed") == "signed"  # the context is part of the key
    assert catalog.gettext("Reviewed text") == "Reviewed text"  # fuzzy: not compiled
    assert catalog.gettext("Untranslated") == "Untranslated"
    assert catalog.gettext("Gone") == "Gone"  # obsolete: not compiled


def test_parser_keeps_comments_flags_and_obsolete_entries() -> None:
    entries = parse_po(SAMPLE_PO)
    by_id = {entry.msgid: entry for entry in entries}
    plural = by_id["{count} statement"]
    assert plural.references == ["desktop/a.py:1", "desktop/b.py:2"]
    assert plural.extracted_comments == ["a comment from the code"]
    assert plural.msgstr_plural == {0: "{count} 份笔录（单数）", 1: "{count} 份笔录"}
    assert by_id["Reviewed text"].fuzzy
    assert by_id["Reviewed text"].previous == ['msgid "Old text"']
    assert by_id["Gone"].obsolete
    assert by_id["signed"].msgctxt == "statement state"


@pytest.mark.parametrize(
    "text",
    [
        'msgid "no msgstr"\n',
        'msgid "a"\nmsgstr "unterminated\n',
        'msgid "a"\nmsgstr "bad \\q escape"\n',
        'msgid "a"\nmsgstr "x"\n\nmsgid "a"\nmsgstr "y"\n',
        '"a string continuing nothing"\n',
    ],
)
def test_parser_rejects_malformed_po(text: str) -> None:
    with pytest.raises(PoError):
        parse_po(text)


def _write(root: Path, relpath: str, text: str) -> None:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_extract_and_check_on_a_small_tree(tmp_path: Path) -> None:
    _write(tmp_path, "desktop/mod.py", (
        "from gettext import gettext as _, ngettext\n"
        "A = _('Case {number} '\n"
        "      'is closed.')\n"
        "B = ngettext('{n} turn', '{n} turns', 2)\n"
        "C = _('Keep me')\n"
    ))
    _write(tmp_path, "desktop/tests/test_mod.py", "_('only in a test')\n")
    messages = extract_messages(tmp_path)
    assert sorted(messages) == ["Case {number} is closed.", "Keep me", "{n} turn"]
    assert messages["{n} turn"].msgid_plural == "{n} turns"
    assert messages["Case {number} is closed."].references == [("desktop/mod.py", 2)]

    assert extract(tmp_path) == (3, 3)
    po = tmp_path / PO_RELPATH
    text = po.read_text(encoding="utf-8")
    assert "#: desktop/mod.py:2\n" in text
    text = text.replace('msgid "Keep me"\nmsgstr ""', 'msgid "Keep me"\nmsgstr "保留"')
    text = text.replace('msgstr ""\n\n#: desktop/mod.py:4', 'msgstr "案件{numbr}已结案。"\n\n'
                        "#: desktop/mod.py:4")
    po.write_text(text, encoding="utf-8")
    problems = check(tmp_path)
    assert any("placeholders differ" in p for p in problems)
    assert any("untranslated: '{n} turn'" in p for p in problems)
    assert any(".mo: not a fresh compile" in p for p in problems)

    _write(tmp_path, "desktop/mod.py", "from gettext import gettext as _\nC = _('Keep me!')\n")
    extract(tmp_path)
    text = po.read_text(encoding="utf-8")
    assert '#, fuzzy\n#| msgid "Keep me"\nmsgid "Keep me!"\nmsgstr "保留"' in text
    assert '#~ msgid "Keep me"\n#~ msgstr "保留"' in text
    [problem] = check(tmp_path)
    assert re.fullmatch(r"resources/\S+\.po:\d+: fuzzy, review the translation: 'Keep me!'",
                        problem)


def test_domain_errors_follow_the_language(chinese: None) -> None:
    with pytest.raises(UserError) as raised:
        check_password_strength("short")
    assert CHINESE.search(str(raised.value))
    assert "10" in str(raised.value)

    set_language("en")
    with pytest.raises(UserError) as raised:
        check_password_strength("short")
    assert str(raised.value) == "The password must have at least 10 characters."
