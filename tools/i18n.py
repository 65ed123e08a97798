"""Keep the Simplified Chinese gettext catalog in step with the code.

Every layer marks user-facing text with `_("English text {placeholder}")` (or `gettext`,
`ngettext`); the English text is the message id and the catalog supplies Chinese. This script
needs nothing beyond the standard library (no Babel, polib or GNU `msgfmt`):

    python3 tools/i18n.py extract   # scan the code, update the .po, then compile the .mo
    python3 tools/i18n.py compile   # write the .mo from the .po
    python3 tools/i18n.py check     # fail on missing, untranslated or fuzzy messages,
                                    # placeholder mismatches, or a stale .mo

`extract` keeps existing translations, adds new messages with an empty translation, and keeps
translations of messages gone from the code as obsolete (`#~`) entries. A new message close to
a vanished one inherits its translation marked fuzzy, so the translator only has to review it.
Fuzzy entries are never compiled: the English text shows until someone clears the flag.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
import string
import struct
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("desktop", "hardware", "sync", "hq", "verification")
SKIP_DIRS = frozenset({"tests", "benchmarks", "__pycache__"})
DOMAIN = "statement_room"
LANGUAGE = "zh_CN"
PO_RELPATH = Path("resources", "i18n", LANGUAGE, "LC_MESSAGES", f"{DOMAIN}.po")
SINGULAR_FUNCTIONS = frozenset({"_", "gettext"})
PLURAL_FUNCTIONS = frozenset({"ngettext"})
DEFAULT_HEADER = (
    "Project-Id-Version: statement-room\n"
    f"Language: {LANGUAGE}\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Plural-Forms: nplurals=1; plural=0;\n"
)
DEFAULT_HEADER_COMMENTS = (
    "Simplified Chinese messages of Statement Room (电子笔录室).",
    "Update with `python3 tools/i18n.py extract`; never edit the .mo by hand.",
)
MO_MAGIC = 0x950412DE
WRAP = 79
FUZZY_CUTOFF = 0.8


class PoError(ValueError):
    """The .po text is malformed or cannot be compiled."""


# --------------------------------------------------------------------------- extraction


@dataclass
class Message:
    """A message marked in the code, with every place that uses it."""

    msgid: str
    msgid_plural: str | None = None
    references: list[tuple[str, int]] = field(default_factory=list)


def source_files(root: Path = ROOT, packages: Sequence[str] = PACKAGES) -> Iterator[Path]:
    """The Python files to scan, in a stable order, skipping tests and benchmarks."""
    for package in packages:
        base = root / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            if not SKIP_DIRS.intersection(path.relative_to(root).parts[:-1]):
                yield path


def _function_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def extract_messages(
    root: Path = ROOT,
    packages: Sequence[str] = PACKAGES,
    warnings: list[str] | None = None,
) -> dict[str, Message]:
    """All messages marked in the code, keyed by msgid.

    Calls of `_`, `gettext` and `ngettext` whose message arguments are string literals count
    (adjacent literals are already joined by the parser). Calls with anything else cannot be
    translated by a catalog; they are reported in `warnings`. A file that does not parse raises
    SyntaxError.
    """
    messages: dict[str, Message] = {}
    for path in source_files(root, packages):
        relpath = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relpath)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _function_name(node.func)
            plural = name in PLURAL_FUNCTIONS
            if not (plural or name in SINGULAR_FUNCTIONS):
                continue
            where = f"{relpath}:{node.lineno}"
            wanted = 2 if plural else 1
            texts = [_literal(arg) for arg in node.args[:wanted]]
            if len(texts) < wanted or None in texts:
                if warnings is not None:
                    warnings.append(
                        f"{where}: {name}() is not called with string literal(s); "
                        "that text cannot be translated"
                    )
                continue
            msgid = texts[0] or ""
            msgid_plural = texts[1] if plural else None
            if msgid == "":
                if warnings is not None:
                    warnings.append(f"{where}: {name}('') would return the catalog header")
                continue
            message = messages.setdefault(msgid, Message(msgid, msgid_plural))
            if message.msgid_plural != msgid_plural and warnings is not None:
                warnings.append(
                    f"{where}: {msgid!r} is used both with and without the same plural form"
                )
            message.references.append((relpath, node.lineno))
    for message in messages.values():
        message.references = sorted(set(message.references))
    return messages


# --------------------------------------------------------------------------- .po model


@dataclass
class PoEntry:
    """One entry of a .po file."""

    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    extracted_comments: list[str] = field(default_factory=list)
    previous: list[str] = field(default_factory=list)
    obsolete: bool = False
    lineno: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def is_header(self) -> bool:
        return self.msgctxt is None and self.msgid == ""

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def translations(self) -> list[str]:
        """msgstr, or msgstr[0..n] in order for a plural entry."""
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[n] for n in sorted(self.msgstr_plural)]

    @property
    def translated(self) -> bool:
        texts = self.translations()
        return bool(texts) and all(texts)

    def set_fuzzy(self, fuzzy: bool) -> None:
        if fuzzy and not self.fuzzy:
            self.flags.insert(0, "fuzzy")
        elif not fuzzy:
            self.flags = [flag for flag in self.flags if flag != "fuzzy"]


def header_fields(entries: Iterable[PoEntry]) -> dict[str, str]:
    """The `Name: value` lines of the header entry (msgid "")."""
    fields: dict[str, str] = {}
    for entry in entries:
        if entry.is_header and not entry.obsolete:
            for line in entry.msgstr.splitlines():
                name, sep, value = line.partition(":")
                if sep:
                    fields[name.strip().lower()] = value.strip()
    return fields


def plural_count(entries: Iterable[PoEntry]) -> int:
    """nplurals from the header's Plural-Forms (1 for Chinese), 2 if absent."""
    match = re.search(r"nplurals\s*=\s*(\d+)", header_fields(entries).get("plural-forms", ""))
    return int(match.group(1)) if match else 2


# --------------------------------------------------------------------------- .po parsing

_ESCAPES = {
    "n": b"\n",
    "t": b"\t",
    "r": b"\r",
    '"': b'"',
    "\\": b"\\",
    "a": b"\a",
    "b": b"\b",
    "f": b"\f",
    "v": b"\v",
    "?": b"?",
    "'": b"'",
}
_OCTAL = frozenset("01234567")
_HEX = frozenset("0123456789abcdefABCDEF")
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s*(\".*)$")


def _unquote(token: str, where: str) -> str:
    """The text of one C-style quoted string as written in a .po file."""
    token = token.strip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise PoError(f"{where}: expected a string in double quotes")
    body = token[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char == '"':
            raise PoError(f"{where}: unescaped double quote inside a string")
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        if i + 1 >= len(body):
            raise PoError(f"{where}: string ends with a lone backslash")
        code = body[i + 1]
        if code in _ESCAPES:
            out += _ESCAPES[code]
            i += 2
        elif code in _OCTAL:
            end = i + 1
            while end < len(body) and end < i + 4 and body[end] in _OCTAL:
                end += 1
            out.append(int(body[i + 1 : end], 8) & 0xFF)
            i = end
        elif code == "x":
            end = i + 2
            while end < len(body) and end < i + 4 and body[end] in _HEX:
                end += 1
            if end == i + 2:
                raise PoError(f"{where}: \\x without hex digits")
            out.append(int(body[i + 2 : end], 16))
            i = end
        else:
            raise PoError(f"{where}: unknown escape \\{code}")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PoError(f"{where}: not valid UTF-8 ({exc.reason})") from None


class _Builder:
    """Collects the lines of one entry while parsing."""

    def __init__(self) -> None:
        self.entry = PoEntry(msgid="")
        self.fields: dict[str, str] = {}
        self.plurals: dict[int, str] = {}
        self.last: tuple[str, int | None] | None = None
        self.obsolete: set[bool] = set()
        self.started = 0

    @property
    def has_keywords(self) -> bool:
        return bool(self.fields or self.plurals)

    @property
    def has_msgstr(self) -> bool:
        return "msgstr" in self.fields or bool(self.plurals)

    def finish(self, where: str) -> PoEntry | None:
        if not self.has_keywords:
            return None
        entry = self.entry
        if "msgid" not in self.fields:
            raise PoError(f"{where}: entry without msgid")
        if not self.has_msgstr:
            raise PoError(f"{where}: entry without msgstr")
        if len(self.obsolete) > 1:
            raise PoError(f"{where}: entry partly marked obsolete with #~")
        entry.msgid = self.fields["msgid"]
        entry.msgctxt = self.fields.get("msgctxt")
        entry.msgid_plural = self.fields.get("msgid_plural")
        entry.obsolete = True in self.obsolete
        entry.lineno = self.started
        if entry.msgid_plural is None:
            if self.plurals:
                raise PoError(f"{where}: msgstr[n] without msgid_plural")
            entry.msgstr = self.fields["msgstr"]
        else:
            if "msgstr" in self.fields:
                raise PoError(f"{where}: plural entry needs msgstr[n], not msgstr")
            if sorted(self.plurals) != list(range(len(self.plurals))):
                raise PoError(f"{where}: msgstr[n] indexes must run 0, 1, 2, ...")
            entry.msgstr_plural = dict(sorted(self.plurals.items()))
        return entry


def parse_po(text: str, filename: str = "<po>") -> list[PoEntry]:
    """Parse .po text (UTF-8, already decoded) into entries, header included.

    Handles msgctxt, msgid, msgid_plural, msgstr and msgstr[n], strings continued on the next
    lines, C escapes, comments (`#`, `#.`, `#:`, `#,`, `#|`) and obsolete `#~` entries.
    """
    entries: list[PoEntry] = []
    seen: dict[tuple[str | None, str], int] = {}
    builder = _Builder()

    def flush(where: str) -> None:
        nonlocal builder
        entry = builder.finish(where)
        if entry is not None:
            if not entry.obsolete:
                if entry.key in seen:
                    raise PoError(
                        f"{filename}:{entry.lineno}: duplicate msgid {entry.msgid!r} "
                        f"(first at line {seen[entry.key]})"
                    )
                seen[entry.key] = entry.lineno
            entries.append(entry)
            builder = _Builder()

    lineno = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        where = f"{filename}:{lineno}"
        line = raw.strip()
        if not line:
            if builder.has_keywords:
                flush(where)
            continue
        obsolete = False
        if line.startswith("#~"):
            obsolete = True
            line = line[2:].strip()
            if line.startswith("|"):
                if builder.has_msgstr:
                    flush(where)
                builder.entry.previous.append(line[1:].strip())
                continue
            if not line:
                continue
        elif line.startswith("#"):
            if builder.has_keywords:
                flush(where)
            kind, rest = line[1:2], line[2:].strip()
            if kind == ",":
                for flag in (part.strip() for part in rest.split(",")):
                    if flag and flag not in builder.entry.flags:
                        builder.entry.flags.append(flag)
            elif kind == ":":
                builder.entry.references.extend(rest.split())
            elif kind == ".":
                builder.entry.extracted_comments.append(rest)
            elif kind == "|":
                builder.entry.previous.append(rest)
            else:
                comment = line[1:]
                builder.entry.comments.append(comment[1:] if comment.startswith(" ") else comment)
            continue
        if line.startswith('"'):
            if builder.last is None:
                raise PoError(f"{where}: string continues no keyword")
            name, index = builder.last
            if index is None:
                builder.fields[name] += _unquote(line, where)
            else:
                builder.plurals[index] += _unquote(line, where)
            continue
        match = _KEYWORD.match(line)
        if match is None:
            raise PoError(f"{where}: cannot read {raw.strip()!r}")
        keyword, index_text, token = match.groups()
        if index_text is not None and keyword != "msgstr":
            raise PoError(f"{where}: only msgstr takes an index")
        if keyword in ("msgctxt", "msgid") and (builder.has_msgstr or "msgid" in builder.fields):
            flush(where)
        if not builder.has_keywords:
            builder.started = lineno
        builder.obsolete.add(obsolete)
        value = _unquote(token, where)
        if index_text is not None:
            index = int(index_text)
            if index in builder.plurals:
                raise PoError(f"{where}: msgstr[{index}] given twice")
            builder.plurals[index] = value
            builder.last = ("msgstr", index)
        else:
            if keyword in builder.fields:
                raise PoError(f"{where}: {keyword} given twice")
            builder.fields[keyword] = value
            builder.last = (keyword, None)
    flush(f"{filename}:{lineno}")
    return entries


def read_po(path: Path) -> list[PoEntry]:
    return parse_po(path.read_text(encoding="utf-8"), str(path))


# --------------------------------------------------------------------------- .po writing


def _escape(text: str) -> str:
    out: list[str] = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):03o}")
        else:
            out.append(char)
    return "".join(out)


def _string_lines(keyword: str, text: str) -> list[str]:
    """`keyword "text"`, split after each newline when the text has several lines."""
    parts = [part + "\n" for part in text.split("\n")]
    parts[-1] = parts[-1][:-1]
    if parts[-1] == "":
        parts.pop()
    if len(parts) <= 1:
        return [f'{keyword} "{_escape(text)}"']
    return [f'{keyword} ""'] + [f'"{_escape(part)}"' for part in parts]


def _reference_lines(references: Sequence[str]) -> list[str]:
    lines: list[str] = []
    current = "#:"
    for reference in references:
        if current != "#:" and len(current) + 1 + len(reference) > WRAP:
            lines.append(current)
            current = "#:"
        current += " " + reference
    if current != "#:":
        lines.append(current)
    return lines


def format_entry(entry: PoEntry) -> str:
    lines = [f"# {comment}".rstrip() for comment in entry.comments]
    lines += [f"#. {comment}".rstrip() for comment in entry.extracted_comments]
    lines += _reference_lines(entry.references)
    if entry.flags:
        lines.append("#, " + ", ".join(entry.flags))
    prefix = "#~ " if entry.obsolete else ""
    marker = "#~|" if entry.obsolete else "#|"
    lines += [f"{marker} {previous}" for previous in entry.previous]
    body: list[str] = []
    if entry.msgctxt is not None:
        body += _string_lines("msgctxt", entry.msgctxt)
    body += _string_lines("msgid", entry.msgid)
    if entry.msgid_plural is None:
        body += _string_lines("msgstr", entry.msgstr)
    else:
        body += _string_lines("msgid_plural", entry.msgid_plural)
        for index, text in sorted(entry.msgstr_plural.items()):
            body += _string_lines(f"msgstr[{index}]", text)
    lines += [prefix + line for line in body]
    return "\n".join(lines) + "\n"


def format_po(entries: Iterable[PoEntry]) -> str:
    return "\n".join(format_entry(entry) for entry in entries)


# --------------------------------------------------------------------------- .mo writing


def _mo_key(entry: PoEntry) -> bytes:
    key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
    if entry.msgid_plural is not None:
        key += "\0" + entry.msgid_plural
    return key.encode("utf-8")


def mo_bytes(entries: Iterable[PoEntry]) -> bytes:
    """A GNU .mo file (little-endian, keys sorted, no hash table) of the translated entries.

    Obsolete, fuzzy and untranslated entries are left out, so gettext falls back to the
    English msgid. The header entry is required and must declare the UTF-8 charset.
    """
    pairs: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.obsolete:
            continue
        if not entry.is_header and (entry.fuzzy or not entry.translated):
            continue
        pairs[_mo_key(entry)] = "\0".join(entry.translations()).encode("utf-8")
    header = pairs.get(b"")
    if header is None:
        raise PoError("the catalog has no header entry (msgid \"\")")
    if not re.search(rb"^Content-Type:.*charset=UTF-8\s*$", header, re.IGNORECASE | re.MULTILINE):
        raise PoError("the header must declare 'Content-Type: text/plain; charset=UTF-8'")
    keys = sorted(pairs)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + 8 * count
    strings_at = translations_at + 8 * count
    table: list[int] = []
    blob = bytearray()
    for strings in (keys, [pairs[key] for key in keys]):
        for text in strings:
            table += [len(text), strings_at + len(blob)]
            blob += text + b"\0"
    head = struct.pack("<7I", MO_MAGIC, 0, count, originals_at, translations_at, 0, strings_at)
    return head + struct.pack(f"<{len(table)}I", *table) + bytes(blob)


def mo_path_for(po_path: Path) -> Path:
    return po_path.with_suffix(".mo")


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def compile_mo(po_path: Path | None = None, mo_path: Path | None = None) -> Path:
    """Compile `po_path` (default: the repository catalog) into `mo_path` (default: beside it)."""
    po_path = po_path or ROOT / PO_RELPATH
    mo_path = mo_path or mo_path_for(po_path)
    _write_if_changed(mo_path, mo_bytes(read_po(po_path)))
    return mo_path


# --------------------------------------------------------------------------- merging


def _default_header() -> PoEntry:
    return PoEntry(msgid="", msgstr=DEFAULT_HEADER, comments=list(DEFAULT_HEADER_COMMENTS))


def _references(message: Message) -> list[str]:
    return [f"{path}:{line}" for path, line in message.references]


def _from_message(message: Message, nplurals: int) -> PoEntry:
    entry = PoEntry(msgid=message.msgid, msgid_plural=message.msgid_plural)
    if message.msgid_plural is not None:
        entry.msgstr_plural = dict.fromkeys(range(nplurals), "")
    return entry


def _carry_translation(target: PoEntry, source: PoEntry, nplurals: int) -> None:
    """Copy `source`'s translation into `target`, adapting between singular and plural."""
    texts = source.translations()
    if target.msgid_plural is None:
        target.msgstr = texts[0] if texts else ""
    else:
        last = texts[-1] if texts else ""
        target.msgstr_plural = {n: texts[n] if n < len(texts) else last for n in range(nplurals)}


def merge(
    existing: Sequence[PoEntry], messages: dict[str, Message], fuzzy_matching: bool = True
) -> list[PoEntry]:
    """The catalog for `messages`, reusing translations and comments from `existing`."""
    header = next((e for e in existing if e.is_header and not e.obsolete), None)
    header = replace(header, references=[]) if header else _default_header()
    nplurals = plural_count([header])
    old: dict[str, PoEntry] = {}
    for entry in existing:
        usable = entry.msgctxt is None and not entry.is_header
        if usable and (entry.msgid not in old or old[entry.msgid].obsolete):
            old[entry.msgid] = entry
    active: list[PoEntry] = []
    unmatched: list[PoEntry] = []
    ordered = sorted(messages.values(), key=lambda m: (m.references[:1], m.msgid))
    for message in ordered:
        previous = old.pop(message.msgid, None)
        entry = _from_message(message, nplurals)
        entry.references = _references(message)
        if previous is not None:
            entry.comments = list(previous.comments)
            entry.flags = list(previous.flags)
            entry.previous = list(previous.previous)
            _carry_translation(entry, previous, nplurals)
            if previous.msgid_plural != message.msgid_plural and previous.translated:
                entry.set_fuzzy(True)
        elif fuzzy_matching:
            unmatched.append(entry)
        if not entry.fuzzy:
            entry.previous = []
        active.append(entry)
    gone = sorted((e for e in old.values() if e.translated), key=lambda e: e.msgid)
    candidates = {e.msgid: e for e in gone}
    for entry in unmatched:
        close = difflib.get_close_matches(entry.msgid, list(candidates), n=1, cutoff=FUZZY_CUTOFF)
        if close:
            source = candidates[close[0]]
            _carry_translation(entry, source, nplurals)
            entry.set_fuzzy(True)
            entry.previous = _string_lines("msgid", source.msgid)
    obsolete = [
        replace(e, obsolete=True, references=[], extracted_comments=[], lineno=0) for e in gone
    ]
    return [header, *active, *obsolete]


def extract(root: Path = ROOT, warnings: list[str] | None = None) -> tuple[int, int]:
    """Update the repository .po from the code and compile it; return (messages, untranslated)."""
    po_path = root / PO_RELPATH
    existing = read_po(po_path) if po_path.exists() else []
    entries = merge(existing, extract_messages(root, warnings=warnings))
    _write_if_changed(po_path, format_po(entries).encode("utf-8"))
    _write_if_changed(mo_path_for(po_path), mo_bytes(entries))
    active = [e for e in entries if not e.obsolete and not e.is_header]
    return len(active), sum(1 for e in active if e.fuzzy or not e.translated)


# --------------------------------------------------------------------------- checking

_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")


def placeholders(text: str) -> Counter[str] | None:
    """The `str.format` field names in `text` ("" for `{}`); None if it is no format string."""
    names: Counter[str] = Counter()

    def collect(fragment: str, depth: int) -> None:
        for _literal_text, name, spec, _conversion in string.Formatter().parse(fragment):
            if name is None:
                continue
            names[re.split(r"[.\[]", name, maxsplit=1)[0]] += 1
            if spec and depth < 2:
                collect(spec, depth + 1)

    try:
        collect(text, 0)
    except ValueError:
        return None
    return names


def _placeholder_problem(entry: PoEntry) -> str | None:
    sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
    wanted = [placeholders(text) for text in sources]
    if any(names is None for names in wanted):
        return None  # the msgid is not used as a format string
    allowed = set().union(*(set(names or ()) for names in wanted))
    required = set.intersection(*(set(names or ()) for names in wanted))
    for text in entry.translations():
        got = placeholders(text)
        if got is None:
            return f"the translation has unbalanced braces: {text!r}"
        names = set(got)
        if not required <= names <= allowed:
            return (
                f"placeholders differ: msgid has {sorted(allowed)}, translation has "
                f"{sorted(names)}: {text!r}"
            )
        if got[""] not in {(names or Counter())[""] for names in wanted}:
            return "the number of {} placeholders differs"
    expected_percent = sorted(_PERCENT.findall(entry.msgid))
    for text in entry.translations():
        if sorted(_PERCENT.findall(text)) != expected_percent:
            return f"%-sequences differ (argparse help would fail): {text!r}"
    return None


def _short(text: str, limit: int = 60) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(text)


def check(root: Path = ROOT, warnings: list[str] | None = None) -> list[str]:
    """Problems that must be fixed before a release; empty when the catalog is complete.

    Reports messages in the code but not in the .po, untranslated and fuzzy entries,
    translations whose placeholders differ from the msgid's, a malformed header, and a .mo that
    is not byte-identical to a fresh compile of the .po. Harmless findings (entries no longer
    used, calls that cannot be extracted) go to `warnings`.
    """
    problems: list[str] = []
    po_path = root / PO_RELPATH
    po_name = PO_RELPATH.as_posix()
    try:
        messages: dict[str, Message] | None = extract_messages(root, warnings=warnings)
    except SyntaxError as exc:
        problems.append(f"{exc.filename}:{exc.lineno}: cannot parse the code: {exc.msg}")
        messages = None
    if not po_path.exists():
        return [*problems, f"{po_name}: missing; run `python3 tools/i18n.py extract`"]
    try:
        entries = read_po(po_path)
    except PoError as exc:
        return [*problems, f"{po_name}: {exc}"]
    active = {e.key: e for e in entries if not e.obsolete}
    fields = header_fields(entries)
    if (None, "") not in active:
        problems.append(f"{po_name}: no header entry (msgid \"\")")
    else:
        if "charset=utf-8" not in fields.get("content-type", "").lower().replace(" ", ""):
            problems.append(f"{po_name}: the header must declare charset=UTF-8")
        if fields.get("language") != LANGUAGE:
            problems.append(f"{po_name}: the header must declare 'Language: {LANGUAGE}'")
        if "plural-forms" not in fields:
            problems.append(f"{po_name}: the header must declare Plural-Forms")
    nplurals = plural_count(entries)
    if messages is not None:
        for msgid, message in messages.items():
            where = "{}:{}".format(*message.references[0])
            found = active.get((None, msgid))
            if found is None:
                problems.append(f"{where}: not in the .po (run extract): {_short(msgid)}")
            elif found.msgid_plural != message.msgid_plural:
                problems.append(f"{where}: plural form differs from the .po: {_short(msgid)}")
        if warnings is not None:
            for entry in active.values():
                if not entry.is_header and entry.msgctxt is None and entry.msgid not in messages:
                    warnings.append(
                        f"{po_name}:{entry.lineno}: no longer in the code (run extract): "
                        f"{_short(entry.msgid)}"
                    )
    for entry in active.values():
        if entry.is_header:
            continue
        where = f"{po_name}:{entry.lineno}"
        if entry.fuzzy:
            problems.append(f"{where}: fuzzy, review the translation: {_short(entry.msgid)}")
        elif not entry.translated:
            problems.append(f"{where}: untranslated: {_short(entry.msgid)}")
        else:
            problem = _placeholder_problem(entry)
            if problem:
                problems.append(f"{where}: {problem}")
        if entry.msgid_plural is not None and len(entry.msgstr_plural) != nplurals:
            problems.append(f"{where}: needs {nplurals} plural translation(s)")
    mo_path = mo_path_for(po_path)
    try:
        fresh = mo_bytes(entries)
    except PoError as exc:
        problems.append(f"{po_name}: {exc}")
    else:
        if not mo_path.exists() or mo_path.read_bytes() != fresh:
            problems.append(
                f"{mo_path.relative_to(root).as_posix()}: not a fresh compile of the .po "
                "(run `python3 tools/i18n.py compile`)"
            )
    return problems


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/i18n.py", description="Maintain the zh_CN gettext catalog of Statement Room."
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="scan the code, update the .po and compile the .mo")
    sub.add_parser("compile", help="compile the .po into the .mo")
    sub.add_parser("check", help="fail unless every message is translated and the .mo is fresh")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    warnings: list[str] = []
    try:
        if args.command == "extract":
            total, todo = extract(root, warnings)
            print(f"{PO_RELPATH.as_posix()}: {total} messages, {todo} to translate or review")
            status = 0
        elif args.command == "compile":
            mo_path = compile_mo(root / PO_RELPATH)
            print(f"wrote {mo_path.relative_to(root).as_posix()}")
            status = 0
        else:
            problems = check(root, warnings)
            for problem in problems:
                print(problem)
            print(f"{len(problems)} problem(s)" if problems else "catalog OK")
            status = 1 if problems else 0
    except (PoError, SyntaxError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
