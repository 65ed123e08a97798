"""The law library browser (Law › Law library…): search, citation lookup and the article view.

The library is HQ's ``laws`` reference dataset (`desktop.services.law_library`); this window
only reads it, on the read lane. The header names the edition and the dataset version, and says
plainly when nothing is held yet (sync with HQ) or when the library is synthetic (test or
benchmark data, never the official text). Search finds exact substrings from one character up;
each result shows the statute's short title, the article, a snippet with the match marked, the
statute's status and version date. A citation (《行政处罚法》第三十三条第二款) shows its article
with the cited paragraph or item marked. The article view gives the statute's title, level,
version and effective dates, status and provenance, then the article's full text.

`LawBrowser.show_citation` opens it at a citation: the discretion panel's basis links use it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from gettext import gettext as _
from gettext import ngettext

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services import law_library
from desktop.services.law_library import ArticleHit, CitedArticle, LibraryHeld
from desktop.ui.context import AppContext
from desktop.ui.screen_fit import fit_to_screen
from legal.library.model import Article, Library, Statute

SEARCH_PAUSE_MS = 300  # typing pauses this long before a search runs (Enter: at once)
STATUTE_COLUMN_WIDTH = 170  # long titles are elided; the full title is the tooltip
MARK_STYLE = "background-color: #ffe58f;"
_ERROR_STYLE = "color: #b00020;"
_SYNTHETIC_STYLE = "color: #8a3b00; font-weight: bold;"
ARTICLE_ROLE = Qt.ItemDataRole.UserRole


def marked(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """`text` as rich text with each [start, end) span marked (everything else escaped)."""
    parts: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            continue
        parts.append(html.escape(text[position:start]))
        parts.append(f'<span style="{MARK_STYLE}">{html.escape(text[start:end])}</span>')
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def synthetic_words() -> str:
    return _("SYNTHETIC: made-up text for tests, not the law")


def header_text(held: LibraryHeld) -> str:
    """The header line: the edition, the dataset version and what it holds."""
    return _("{edition} · laws version {version} · compiled {compiled} · {statutes} statutes, "
             "{articles} articles").format(
        edition=held.edition, version=held.version, compiled=held.compiled,
        statutes=held.statutes, articles=held.articles)


def _cited_paragraphs(article: Article, quoted: str) -> set[int]:
    """Indexes of the article's paragraphs the quoted text consists of (all when it is the
    whole article: nothing is marked then)."""
    if quoted.strip() in (article.text.strip(), article.body.strip()):
        return set()
    found = set()
    for index, paragraph in enumerate(article.paragraphs):
        bare = paragraph.removeprefix(article.label).lstrip() if index == 0 else paragraph
        if bare and bare in quoted:
            found.add(index)
    return found


def article_html(statute: Statute, article: Article, *, cited: set[int] | None = None,
                 citation: str = "") -> str:
    """The article view: the statute's particulars, then the article, cited parts marked."""
    rows = [
        (_("Level"), law_library.level_words(statute.level.value)),
        (_("Version date"), statute.version_date),
        (_("Effective date"), statute.effective_date or _("not stated in the text")),
        (_("Status"), law_library.status_words(statute.status.value)),
        *([(_("Issued by"), statute.issuer)] if statute.issuer else []),
        (_("Source"), _("{file} from {collection} ({snapshot}), taken from {origin}").format(
            file=statute.source.file, collection=statute.source.collection,
            snapshot=statute.source.snapshot, origin=statute.source.origin or "?")),
        (_("Checked against the gazette"),
         _("yes") if statute.source.verified else _("no")),
    ]
    parts = [f"<h3>{html.escape(statute.title)}</h3>"]
    if statute.synthetic:
        parts.append(f'<p style="{_SYNTHETIC_STYLE}">{html.escape(synthetic_words())}</p>')
    parts.append("<table cellspacing='2'>")
    for name, value in rows:
        parts.append(f"<tr><td><b>{html.escape(name)}</b></td>"
                     f"<td>{html.escape(value)}</td></tr>")
    parts.append("</table>")
    if citation:
        parts.append(f"<p><b>{html.escape(_('Cited:'))}</b> {html.escape(citation)}</p>")
    if article.chapter:
        parts.append(f"<p><i>{html.escape(article.chapter)}</i></p>")
    for index, paragraph in enumerate(article.paragraphs):
        text = html.escape(paragraph)
        if cited and index in cited:
            text = f'<span style="{MARK_STYLE}">{text}</span>'
        parts.append(f"<p>{text}</p>")
    return "".join(parts)


class LawBrowser(QWidget):
    """See the module docstring. A window of its own (the officer keeps it beside a
    statement); the main window keeps one and raises it when asked again."""

    article_shown = Signal(str)  # the statute id and article label shown, for tests and logs

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._ctx = ctx
        self.setWindowTitle(_("Law library"))
        self._library: Library | None = None
        self._library_sha: str | None = None
        self._query_serial = 0
        self.held: LibraryHeld | None = None

        layout = QVBoxLayout(self)
        self.header = QLabel(_("Reading the law library…"))
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.synthetic_label = QLabel(synthetic_words())
        self.synthetic_label.setStyleSheet(_SYNTHETIC_STYLE)
        self.synthetic_label.hide()
        layout.addWidget(self.synthetic_label)

        search_row = QHBoxLayout()
        self.search_field = QLineEdit()
        self.search_field.setPlaceholderText(_("Search the articles' text (one character or "
                                               "more)"))
        self.search_field.setClearButtonEnabled(True)
        search_row.addWidget(QLabel(_("Search:")))
        search_row.addWidget(self.search_field, 1)
        layout.addLayout(search_row)
        cite_row = QHBoxLayout()
        self.citation_field = QLineEdit()
        self.citation_field.setPlaceholderText("《行政处罚法》第三十三条第二款")
        self.cite_button = QPushButton(_("Look up"))
        cite_row.addWidget(QLabel(_("Citation:")))
        cite_row.addWidget(self.citation_field, 1)
        cite_row.addWidget(self.cite_button)
        layout.addLayout(cite_row)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(_ERROR_STYLE)
        self.message.hide()
        layout.addWidget(self.message)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.results = QTreeWidget()
        self.results.setRootIsDecorated(False)
        self.results.setColumnCount(5)
        self.results.setHeaderLabels([_("Statute"), _("Article"), _("Text"), _("Status"),
                                      _("Version date")])
        header = self.results.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(0, STATUTE_COLUMN_WIDTH)
        header.sectionResized.connect(self._column_resized)
        self.results.setWordWrap(True)
        self.results.currentItemChanged.connect(self._result_chosen)
        self.results.itemActivated.connect(lambda item, _col: self._result_chosen(item))
        splitter.addWidget(self.results)
        self.article_view = QTextBrowser()
        self.article_view.setOpenLinks(False)
        splitter.addWidget(self.article_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.count_label = QLabel("")
        layout.addWidget(self.count_label)

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(SEARCH_PAUSE_MS)
        self._pause.timeout.connect(self.search_now)
        self.search_field.textChanged.connect(lambda _text: self._pause.start())
        self.search_field.returnPressed.connect(self.search_now)
        self.citation_field.returnPressed.connect(self.look_up)
        self.cite_button.clicked.connect(self.look_up)
        self._set_usable(False)
        fit_to_screen(self, 1100, 680)
        self.refresh()

    # --- the library held -----------------------------------------------------------------
    def refresh(self) -> None:
        """Read which library is held (again: a sync may have brought a new one)."""
        self._ctx.read(law_library.held, self._show_held, self._failed)

    def _show_held(self, held: LibraryHeld | None) -> None:
        self.held = held
        if held is None:
            self.header.setText(_("No law library is held on this computer yet. HQ publishes "
                                  "it as reference data: sync with HQ (Sync › Sync now) to "
                                  "receive it."))
            self._set_usable(False)
            return
        self.header.setText(header_text(held))
        self.synthetic_label.setVisible(held.synthetic)
        if held.problem is not None:
            self._show_message(_("This library cannot be read ({problem}); ask HQ to publish "
                                 "it again.").format(problem=held.problem))
            self._set_usable(False)
            return
        self._set_usable(True)

    def _set_usable(self, usable: bool) -> None:
        for widget in (self.search_field, self.citation_field, self.cite_button,
                       self.results):
            widget.setEnabled(usable)

    # --- search ---------------------------------------------------------------------------
    def search_now(self) -> None:
        self._pause.stop()
        query = self.search_field.text().strip()
        self._query_serial += 1
        serial = self._query_serial
        if not query:
            self.results.clear()
            self.count_label.setText("")
            return
        self._ctx.read(lambda store: law_library.search(store, query),
                       lambda hits: self._show_hits(serial, query, hits), self._failed)

    def _show_hits(self, serial: int, query: str, hits: list[ArticleHit]) -> None:
        if serial != self._query_serial:
            return  # an answer to a query typed over since
        self._show_message("")
        self.results.clear()
        for hit in hits:
            self._add_hit(hit)
        self._fit_rows()
        self.count_label.setText(
            _("No article contains 「{query}」.").format(query=query) if not hits else
            ngettext("{count} article shown for 「{query}」.",
                     "{count} articles shown for 「{query}」 (best first).", len(hits)).format(
                count=len(hits), query=query))

    def _add_hit(self, hit: ArticleHit) -> QTreeWidgetItem:
        title = hit.short_title + (" " + _("(synthetic)") if hit.synthetic else "")
        item = QTreeWidgetItem([title, hit.label, "",
                                law_library.status_words(hit.status), hit.version_date])
        item.setToolTip(0, hit.title)
        item.setData(0, ARTICLE_ROLE, (hit.statute_id, hit.number, hit.suffix))
        self.results.addTopLevelItem(item)
        snippet = QLabel(marked(hit.snippet, hit.spans))
        snippet.setTextFormat(Qt.TextFormat.RichText)
        snippet.setWordWrap(True)
        snippet.setToolTip(hit.snippet)
        self.results.setItemWidget(item, 2, snippet)
        return item

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        if column == 2:
            self._fit_rows()

    def _fit_rows(self) -> None:
        """Each row as high as its snippet wrapped to the text column's width (a label's own
        size hint guesses a narrow width and leaves rows three times too high)."""
        width = self.results.columnWidth(2)
        if width <= 0:
            return
        for index in range(self.results.topLevelItemCount()):
            item = self.results.topLevelItem(index)
            widget = self.results.itemWidget(item, 2) if item is not None else None
            if item is not None and isinstance(widget, QLabel):
                # The view bounds a row by its widget's maximum height.
                widget.setMaximumHeight(max(widget.heightForWidth(width), 1))
        self.results.doItemsLayout()

    def hit_rows(self) -> list[list[str]]:
        """What the results list shows, row by row, as plain text (the snippet's too)."""
        rows = []
        for index in range(self.results.topLevelItemCount()):
            item = self.results.topLevelItem(index)
            if item is None:
                continue
            widget = self.results.itemWidget(item, 2)
            snippet = widget.toolTip() if isinstance(widget, QLabel) else item.text(2)
            rows.append([item.text(0), item.text(1), snippet, item.text(3), item.text(4)])
        return rows

    def _result_chosen(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            return
        key = item.data(0, ARTICLE_ROLE)
        if key is None:
            return
        statute_id, number, suffix = key
        self._with_library(lambda library: self._show_article(library, statute_id, number,
                                                              suffix))

    def _with_library(self, then: Callable[[Library], None]) -> None:
        """`then(library)` with the decoded library (read once per version, off the GUI)."""
        held = self.held
        if self._library is not None and held is not None and held.sha256 == self._library_sha:
            then(self._library)
            return

        def loaded(library: Library | None) -> None:
            if library is None:
                self._show_held(None)
                return
            self._library = library
            self._library_sha = held.sha256 if held is not None else None
            then(library)

        self._ctx.read(law_library.library, loaded, self._failed)

    def _show_article(self, library: Library, statute_id: str, number: int, suffix: str,
                      ) -> None:
        statute = library.statute(statute_id)
        article = statute.article(number, suffix) if statute is not None else None
        if statute is None or article is None:
            self._show_message(_("That article is no longer in the library held; search "
                                 "again."))
            return
        self.article_view.setHtml(article_html(statute, article))
        self.article_shown.emit(f"{statute.id} {article.label}")

    # --- citations ------------------------------------------------------------------------
    def look_up(self) -> None:
        text = self.citation_field.text().strip()
        if not text:
            return
        self._ctx.read(lambda store: law_library.cite(store, text), self._show_cited,
                       self._failed)

    def show_citation(self, citation: str) -> None:
        """Open at `citation` (what the discretion panel's basis links do)."""
        self.citation_field.setText(citation)
        self.look_up()

    def _show_cited(self, cited: list[CitedArticle]) -> None:
        self._show_message("")
        first = cited[0]
        self.article_view.setHtml(article_html(
            first.statute, first.article, cited=_cited_paragraphs(first.article, first.text),
            citation=first.canonical))
        self.article_shown.emit(f"{first.statute.id} {first.article.label}")
        if len(cited) > 1:
            self.count_label.setText(_("The text cites {count} articles; the first is shown: "
                                       "{citations}").format(
                count=len(cited), citations="、".join(c.canonical for c in cited)))

    def article_text(self) -> str:
        """The article view as plain text (what the officer reads)."""
        return self.article_view.toPlainText()

    def marked_text(self) -> list[str]:
        """The paragraphs marked in the article view (the cited paragraph or item)."""
        found = []
        block = self.article_view.document().begin()
        while block.isValid():
            fragments = []
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().background().style() != \
                        Qt.BrushStyle.NoBrush:
                    fragments.append(fragment.text())
                it += 1
            if fragments:
                found.append("".join(fragments))
            block = block.next()
        return found

    # --- messages -------------------------------------------------------------------------
    def _failed(self, exc: BaseException) -> None:
        self._show_message(str(exc))

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


def open_law_browser(ctx: AppContext, owner: QWidget, citation: str | None = None,
                     ) -> LawBrowser:
    """The owner's law browser (one per owner window), shown and raised; at `citation` when
    given. A browser left open is refreshed: a sync may have brought a new library."""
    browser = getattr(owner, "law_browser", None)
    if not isinstance(browser, LawBrowser):
        browser = LawBrowser(ctx, owner)
        owner.law_browser = browser  # type: ignore[attr-defined]
    else:
        browser.refresh()
    browser.show()
    browser.raise_()
    browser.activateWindow()
    if citation:
        browser.show_citation(citation)
    return browser
