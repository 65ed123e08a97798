"""Finding a matter: by what an officer types (name, code, keyword, field; one character and
up) and by the words of a statement (the matters whose names or keywords occur in it).

`MatterIndex` is built once per `Standard` (the desktop keeps one per dataset version):

- `search`: a posting list per character of every matter's code, name, keywords and field.
  A query's candidates are the intersection of its characters' postings (so a query of one
  character is one lookup, and a longer one only ever looks at matters holding all its
  characters); each candidate is then checked for the query as a substring and ranked: the
  code exactly, then a name that is the query, starts with it or holds it, then a keyword,
  then the field; shorter names first among equals (the closer match), then by code.
- `suggest`: every name and keyword is a term, filed under its first two characters. The
  statement is read once, and at each position only the terms starting with the two
  characters there are compared. A matter scores the length of the distinct terms it matched
  (its name counts double: a name found verbatim is the strongest sign).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from legal.discretion.evaluation import MatterHit
from legal.discretion.model import Matter, Standard

__all__ = ["MatterIndex"]

_CODE_EXACT, _CODE_PREFIX, _NAME_EXACT, _NAME_PREFIX, _NAME_IN = 100.0, 80.0, 90.0, 70.0, 50.0
_KEYWORD_EXACT, _KEYWORD_IN, _FIELD_IN, _CODE_IN = 60.0, 40.0, 20.0, 30.0


def _fold(text: str) -> str:
    return text.casefold().strip()


class MatterIndex:
    """Search and suggestion over one standard's matters (see the module docstring)."""

    def __init__(self, standard: Standard) -> None:
        self.standard = standard
        self._matters: tuple[Matter, ...] = standard.matters
        self._folded: list[tuple[str, str, tuple[str, ...], str]] = []
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._terms: dict[str, list[tuple[str, int, bool]]] = defaultdict(list)
        self._short_terms: dict[str, list[tuple[str, int, bool]]] = defaultdict(list)
        for position, matter in enumerate(self._matters):
            code, name, fld = _fold(matter.code), _fold(matter.name), _fold(matter.field)
            keywords = tuple(_fold(k) for k in matter.keywords if k.strip())
            self._folded.append((code, name, keywords, fld))
            for text in (code, name, fld, *keywords):
                for char in text:
                    self._postings[char].add(position)
            for term, is_name in ((name, True), *((k, False) for k in keywords)):
                if len(term) >= 2:
                    self._terms[term[:2]].append((term, position, is_name))
                elif term:
                    self._short_terms[term].append((term, position, is_name))

    def _candidates(self, query: str) -> Iterable[int]:
        postings = sorted((self._postings.get(char, set()) for char in set(query)), key=len)
        if not postings or not postings[0]:
            return ()
        found = set(postings[0])
        for more in postings[1:]:
            found &= more
            if not found:
                break
        return found

    def _score(self, position: int, query: str) -> tuple[float, str] | None:
        code, name, keywords, fld = self._folded[position]
        matter = self._matters[position]
        if code == query:
            return _CODE_EXACT, matter.code
        best: tuple[float, str] | None = None
        if name == query:
            best = (_NAME_EXACT, matter.name)
        elif code.startswith(query):
            best = (_CODE_PREFIX, matter.code)
        elif name.startswith(query):
            best = (_NAME_PREFIX, matter.name)
        elif query in name:
            best = (_NAME_IN, matter.name)
        if best is None:
            for keyword, shown in zip(keywords, matter.keywords, strict=False):
                if keyword == query:
                    return _KEYWORD_EXACT, shown
                if query in keyword and best is None:
                    best = (_KEYWORD_IN, shown)
        if best is None and query in code:
            best = (_CODE_IN, matter.code)
        if best is None and query in fld:
            best = (_FIELD_IN, matter.field)
        return best

    def search(self, query: str, limit: int = 20) -> list[MatterHit]:
        """Matters whose code, name, keywords or field hold ``query``, best first."""
        folded = _fold(query)
        if not folded or limit < 1:
            return []
        scored: list[tuple[float, int, str, int, str]] = []
        for position in self._candidates(folded):
            found = self._score(position, folded)
            if found is not None:
                matter = self._matters[position]
                # Among equal scores the shorter name is the closer match.
                score = found[0] + 1.0 / (1 + len(matter.name))
                scored.append((-score, len(matter.name), matter.code, position, found[1]))
        scored.sort()
        return [self._hit(position, -negative, matched)
                for negative, _, _, position, matched in scored[:limit]]

    def suggest(self, text: str, limit: int = 5) -> list[MatterHit]:
        """Matters whose names or keywords occur in ``text`` (a statement's words)."""
        folded = _fold(text)
        if not folded or limit < 1:
            return []
        matched: dict[int, dict[str, bool]] = defaultdict(dict)
        for index in range(len(folded)):
            for term, position, is_name in self._short_terms.get(folded[index], ()):
                matched[position][term] = is_name
            for term, position, is_name in self._terms.get(folded[index:index + 2], ()):
                if folded.startswith(term, index):
                    matched[position][term] = is_name or matched[position].get(term, False)
        ranked: list[tuple[float, str, int, str]] = []
        for position, terms in matched.items():
            score = float(sum(len(t) * (2 if is_name else 1) for t, is_name in terms.items()))
            shown = "、".join(sorted(terms, key=lambda t: (-len(t), t)))
            ranked.append((-score, self._matters[position].code, position, shown))
        ranked.sort()
        return [self._hit(position, -negative, shown)
                for negative, _, position, shown in ranked[:limit]]

    def _hit(self, position: int, score: float, matched: str) -> MatterHit:
        matter = self._matters[position]
        return MatterHit(code=matter.code, name=matter.name, field=matter.field,
                         score=round(score, 4), matched=matched)
