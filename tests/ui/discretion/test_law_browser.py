"""The law library browser as an officer uses it, on a real store holding the shipped statute
texts accepted from a signed manifest: the header names the edition and version, search finds
one character and a phrase, a citation shows its article with the cited paragraph marked, a
synthetic library says so, and before any library arrives the officer is told to sync."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.ui.context import AppContext
from desktop.ui.law_browser import LawBrowser
from desktop.ui.main_window import MainWindow
from tests.conftest import World
from tests.ui.discretion.support import hold, synthetic_library


def browser(qtbot: QtBot, ctx: AppContext) -> LawBrowser:
    shown = LawBrowser(ctx)
    qtbot.addWidget(shown)
    shown.show()
    return shown


def search(qtbot: QtBot, shown: LawBrowser, query: str) -> list[list[str]]:
    shown.search_field.setText(query)
    qtbot.keyClick(shown.search_field, "\r")
    return shown.hit_rows()


def test_without_a_library_the_officer_is_told_to_sync(qtbot: QtBot, ui_ctx: AppContext
                                                       ) -> None:
    shown = browser(qtbot, ui_ctx)
    assert shown.header.text().startswith("No law library is held on this computer yet.")
    assert "sync with HQ" in shown.header.text()
    assert not shown.search_field.isEnabled()
    assert not shown.citation_field.isEnabled()


def test_search_finds_one_character_and_a_phrase(qtbot: QtBot, world: World,
                                                 ui_ctx: AppContext) -> None:
    hold(world, standard=False)
    shown = browser(qtbot, ui_ctx)
    assert shown.header.text().startswith("测试版 法规库 · laws version 1 · compiled 2026-12-07")
    assert not shown.synthetic_label.isVisible()
    assert shown.search_field.isEnabled()

    rows = search(qtbot, shown, "罚")
    assert len(rows) == 50  # the first page
    # A statute whose title holds the query comes first (行政处罚法), then articles holding it.
    assert all("罚" in snippet or "罚" in statute
               for statute, _article, snippet, _status, _date in rows)
    assert rows[0][0] == "行政处罚法"
    assert shown.count_label.text() == "50 articles shown for 「罚」 (best first)."

    rows = search(qtbot, shown, "人行道")
    assert rows, "the phrase is in the road traffic law"
    statutes = {(statute, article) for statute, article, *_rest in rows}
    assert ("道路交通安全法", "第五十六条") in statutes
    row = next(r for r in rows if r[:2] == ["道路交通安全法", "第五十六条"])
    assert "人行道" in row[2]
    assert row[3:] == ["in force", "2021-04-29"]

    rows = search(qtbot, shown, "没有这样的一句话在法条里")
    assert rows == []
    assert shown.count_label.text() == "No article contains 「没有这样的一句话在法条里」."


def test_choosing_a_result_shows_its_article(qtbot: QtBot, world: World,
                                             ui_ctx: AppContext) -> None:
    hold(world, standard=False)
    shown = browser(qtbot, ui_ctx)
    rows = search(qtbot, shown, "人行道")
    index = next(i for i, r in enumerate(rows) if r[:2] == ["道路交通安全法", "第五十六条"])
    shown.results.setCurrentItem(shown.results.topLevelItem(index))
    text = shown.article_text()
    assert text.startswith("中华人民共和国道路交通安全法")
    assert "Level\nlaw\nVersion date\n2021-04-29\nEffective date\n2004-05-01\nStatus\nin force" \
        in text
    assert "道路交通安全法(2021-04-29).md from LawRefBook/Laws" in text
    assert "第五十六条" in text and "人行道" in text
    assert shown.marked_text() == []  # a whole article: nothing in particular is cited


def test_a_citation_shows_the_article_with_the_paragraph_marked(qtbot: QtBot, world: World,
                                                                ui_ctx: AppContext) -> None:
    hold(world, standard=False)
    shown = browser(qtbot, ui_ctx)
    shown.citation_field.setText("《行政处罚法》第三十三条第二款")
    qtbot.keyClick(shown.citation_field, "\r")
    text = shown.article_text()
    assert text.startswith("中华人民共和国行政处罚法")
    assert "Cited: 《行政处罚法》第三十三条第二款" in text
    assert "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。" in text
    [marked] = shown.marked_text()
    assert marked.startswith("当事人有证据足以证明没有主观过错的，不予行政处罚")
    assert not shown.message.isVisible()

    shown.citation_field.setText("《行政处罚法》第三十二条第（一）项")
    shown.cite_button.click()
    [marked] = shown.marked_text()
    assert marked.startswith("（一）主动消除或者减轻违法行为危害后果")

    shown.citation_field.setText("《行政处罚法》第九百条")
    shown.cite_button.click()
    assert shown.message.isVisible()
    assert "has no 第九百条" in shown.message.text()


def test_a_synthetic_library_is_marked_where_it_is_shown(qtbot: QtBot, world: World,
                                                         ui_ctx: AppContext) -> None:
    hold(world, standard=False, laws=synthetic_library())
    shown = browser(qtbot, ui_ctx)
    assert shown.synthetic_label.isVisible()
    assert shown.synthetic_label.text() == "SYNTHETIC: made-up text for tests, not the law"
    rows = search(qtbot, shown, "人行道")
    assert rows and all(r[0].endswith("(synthetic)") for r in rows)
    shown.results.setCurrentItem(shown.results.topLevelItem(0))
    assert "SYNTHETIC: made-up text for tests, not the law" in shown.article_text()


def test_the_main_window_opens_it_from_the_law_menu(qtbot: QtBot, world: World,
                                                    ui_ctx: AppContext) -> None:
    hold(world, standard=False)
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.show()
    [law_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "L&aw"]
    [open_action] = [a for a in law_menu.actions() if a.text() == "Law library…"]
    assert open_action.shortcut().toString() == "Ctrl+Shift+L"
    open_action.trigger()
    shown = window.law_browser
    assert isinstance(shown, LawBrowser) and shown.isVisible()
    assert shown.header.text().startswith("测试版 法规库")
    window.show_law_library("《道路交通安全法》第九十三条第二款")
    assert window.law_browser is shown  # one window, raised again
    [marked] = shown.marked_text()
    assert "二十元以上二百元以下罚款" in marked
    window.lock()  # a window of its own, covered with the rest
    assert not shown.isVisible()
    window.close()
