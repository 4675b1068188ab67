"""Count, from the chapter sources, the shown code lines wider than the code box (issue 28 item 8).

tests/test_reader.py counts on the BUILT pages the code lines shown to the reader that are wider
than CODE_COLUMNS display columns (a Chinese character counts 2) and holds each page to its
allowance LONG_CODE_LINES. Building the book takes long; this tool reads the .md sources instead
and counts what the page will show:

- ``{code-cell}`` sources, except cells tagged ``remove-input`` or ``remove-cell`` or with the
  MyST-NB metadata ``remove_code_source: true`` (a ``hide-input`` / ``hide-cell`` cell is in
  the html, collapsed, so it counts);
- plain fences the page highlights as code: no language, ``python``, ``ipython3`` (the classes
  ``highlight-default|python|ipython3`` the test reads); ``text`` and other languages do not count;
- ``{literalinclude}`` (always ``highlight-default`` or its ``:language:``, counted like a fence):
  ``:pyobject:`` (the object's source, decorators included, found with ``ast``), ``:lines:``,
  ``:start-after:`` / ``:start-at:``, ``:end-before:`` / ``:end-at:``, ``:dedent:``;
- fences in the claim and correction of each ``{erratum} ID`` box (errata/*.yml, rendered on the
  page by _ext/book_errata.py).

It does not see code that only the build produces (cell outputs are not counted by the test
either), code inside ``{eval-rst}``, raw html or other extensions' directives, nor tabs (a
tab counts 1 column here; the browser shows up to 8).

    python tools/code_width.py                       # every chapter: count and allowance
    python tools/code_width.py chapters/part3/*.md --list   # and each long line
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER_TEST = ROOT / "tests" / "test_reader.py"
SHOWN_LANGUAGES = {"", "default", "python", "ipython3"}  # highlight-<language> classes the test reads
HIDDEN_TAGS = {"remove-input", "remove-cell"}
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[a-zA-Z0-9_-]+)\}\s*(?P<arg>.*)$")
CODE_DIRECTIVES = {"code", "code-block", "sourcecode"}


def _columns(line: str) -> int:
    """Display columns of ``line``: East Asian wide and full-width characters count 2
    (the same definition as tests/test_reader.py; tests/test_code_width.py checks they agree)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@dataclass(frozen=True)
class ShownLine:
    """One line of code the page shows: where it comes from (``source``:``lineno``) and its text."""

    md_line: int  # line of the .md file (the opening fence for included code)
    source: str  # the file the text is in (the .md file, or the included file)
    lineno: int  # line number in ``source``
    text: str


def reader_settings(test_file: Path = READER_TEST) -> tuple[int, dict[str, int]]:
    """CODE_COLUMNS and LONG_CODE_LINES as tests/test_reader.py sets them (read with ``ast``)."""
    columns, allowance = 80, {}
    for node in ast.parse(test_file.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "CODE_COLUMNS":
            columns = ast.literal_eval(value)
        elif isinstance(target, ast.Name) and target.id == "LONG_CODE_LINES":
            allowance = ast.literal_eval(value)
    return columns, allowance


def _split_options(body: list[str]) -> tuple[dict[str, str], list[str], int]:
    """A directive body's options (``:key: value`` lines or a ``---`` YAML block) and the rest;
    also how many lines the options took."""
    options: dict[str, str] = {}
    if body and body[0].strip() == "---":
        end = next((i for i in range(1, len(body)) if body[i].strip() == "---"), None)
        if end is not None:
            block = body[1:end]
            for line in block:
                m = re.match(r"^\s*([A-Za-z_-]+):\s*(.*)$", line)
                if m:
                    options[m.group(1)] = m.group(2).strip()
            tags = re.search(r"tags:\s*\[([^\]]*)\]", "\n".join(block))
            if tags:
                options["tags"] = tags.group(1)
            return options, body[end + 1:], end + 1
    n = 0
    while n < len(body):
        m = re.match(r"^:([A-Za-z_-]+):(?:\s+(.*))?$", body[n])
        if not m:
            break
        options[m.group(1)] = (m.group(2) or "").strip()
        n += 1
    return options, body[n:], n


def _tags(options: dict[str, str]) -> set[str]:
    raw = options.get("tags", "").strip().strip("[]")
    return {t.strip().strip("'\"") for t in raw.split(",") if t.strip()}


def _line_numbers(spec: str, total: int) -> list[int]:
    """0-based line numbers of a Sphinx ``:lines:`` spec such as ``1,3-5,8-``."""
    out: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            start = int(a) if a.strip() else 1
            end = int(b) if b.strip() else total
            out += range(start - 1, min(end, total))
        elif part:
            out.append(int(part) - 1)
    return [i for i in out if 0 <= i < total]


def _pyobject_range(source: str, name: str) -> tuple[int, int]:
    """1-based first and last line of the class or function ``name`` (``Class.method`` allowed),
    decorators included, as Sphinx's ``:pyobject:`` shows it."""
    body: list[ast.stmt] = ast.parse(source).body
    node: ast.AST | None = None
    for part in name.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise ValueError(f"在被引用的文件中找不到对象 {name!r}")
        body = getattr(node, "body", [])
    assert node is not None and hasattr(node, "lineno")
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno or node.lineno


def included_lines(path: Path, options: dict[str, str]) -> list[tuple[int, str]]:
    """The (1-based line number, text) pairs a ``{literalinclude}`` of ``path`` with these
    options shows, in Sphinx's order: pyobject, lines, start, end, dedent."""
    text = path.read_text(encoding="utf-8")
    lines = list(enumerate(text.splitlines(), start=1))
    if options.get("pyobject"):
        first, last = _pyobject_range(text, options["pyobject"])
        lines = lines[first - 1:last]
    for key, inclusive in (("start-at", True), ("start-after", False)):
        if options.get(key):
            hit = next((i for i, (_, s) in enumerate(lines) if options[key] in s), None)
            if hit is None:
                raise ValueError(f"{path}: 找不到 {key} 文本 {options[key]!r}")
            lines = lines[hit if inclusive else hit + 1:]
            break
    for key, inclusive in (("end-at", True), ("end-before", False)):
        if options.get(key):
            hit = next((i for i, (_, s) in enumerate(lines) if options[key] in s), None)
            if hit is None:
                raise ValueError(f"{path}: 找不到 {key} 文本 {options[key]!r}")
            lines = lines[:hit + 1 if inclusive else hit]
            break
    if options.get("lines"):
        lines = [lines[i] for i in _line_numbers(options["lines"], len(lines))]
    if "dedent" in options:
        texts = [s for _, s in lines]
        if options["dedent"]:
            n = int(options["dedent"])
            texts = [s[n:] for s in texts]
        else:
            texts = textwrap.dedent("\n".join(texts)).split("\n")
        lines = [(i, s) for (i, _), s in zip(lines, texts)]
    return lines


def errata_entries(root: Path = ROOT) -> dict[str, tuple[Path, dict]]:
    """The entries of ``errata/*.yml`` by id, with the file each is in."""
    import yaml

    out: dict[str, tuple[Path, dict]] = {}
    for path in sorted((root / "errata").glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(entry, dict) and "id" in entry:
                out[str(entry["id"])] = (path, entry)
    return out


def _where(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _erratum_code(eid: str, md_line: int, errata: dict[str, tuple[Path, dict]]) -> list[ShownLine]:
    """The code an ``{erratum} ID`` box shows: fences in the entry's claim and correction
    (_ext/book_errata.py renders both as Markdown on the chapter page)."""
    if eid not in errata:
        return []
    path, entry = errata[eid]
    yml = path.read_text(encoding="utf-8").splitlines()
    out = []
    for field in ("claim", "correction"):
        text = str(entry.get(field, ""))
        for s in _scan(text.splitlines(), path.parent, str(path), errata, skip_front_matter=False):
            # where the line is in the .yml file (the first line with this text)
            lineno = next((k + 1 for k, y in enumerate(yml) if s.text.strip() and y.strip() == s.text.strip()), 0)
            out.append(ShownLine(md_line, _where(path), lineno, s.text))
    return out


def _scan(raw: list[str], folder: Path, source: str, errata: dict[str, tuple[Path, dict]],
          skip_front_matter: bool = True) -> list[ShownLine]:
    """The shown code lines of the Markdown ``raw`` (``source``, whose folder is ``folder``)."""
    out: list[ShownLine] = []
    stack: list[tuple[str, int]] = []  # open container directives: fence character, fence length
    i = 0
    if skip_front_matter and raw and raw[0].strip() == "---":  # jupytext front matter
        i = next((k for k in range(1, len(raw)) if raw[k].strip() == "---"), 0) + 1
    while i < len(raw):
        m = FENCE.match(raw[i])
        if not m:
            i += 1
            continue
        indent, fence, info = len(m["indent"]), m["fence"], m["info"].strip()
        if stack and not info and fence[0] == stack[-1][0] and len(fence) >= stack[-1][1]:
            stack.pop()  # the closing fence of a container (exercise, note, ...)
            i += 1
            continue
        d = DIRECTIVE.match(info)
        name = d["name"] if d else None
        leaf = CODE_DIRECTIVES | {"code-cell", "literalinclude", "erratum"}
        if fence[0] == ":" or (name is not None and name not in leaf):
            stack.append((fence[0], len(fence)))  # a container: its body is scanned as well
            i += 1
            continue
        # a leaf: its body runs to the first fence of the same character, at least as long
        end = i + 1
        while end < len(raw):
            c = FENCE.match(raw[end])
            if c and c["fence"][0] == fence[0] and len(c["fence"]) >= len(fence) and not c["info"].strip():
                break
            end += 1
        body = [s[indent:] if s[:indent].strip() == "" else s.lstrip() for s in raw[i + 1:end]]
        first = i + 2  # 1-based line of body[0]
        shown: list[str] = []
        skip = 0
        if name is None:
            language = info.split()[0] if info else ""
            shown = body if language in SHOWN_LANGUAGES else []
        elif name in CODE_DIRECTIVES:
            options, rest, skip = _split_options(body)
            language = (d["arg"].split() or [""])[0] if d else ""
            shown = rest if language in SHOWN_LANGUAGES else []
        elif name == "code-cell":
            options, rest, skip = _split_options(body)
            hidden = _tags(options) & HIDDEN_TAGS or options.get("remove_code_source", "").lower() == "true"
            shown = [] if hidden else rest
        elif name == "erratum":
            out += _erratum_code(d["arg"].strip() if d else "", i + 1, errata)
        else:  # literalinclude
            options, _, _ = _split_options(body)
            if options.get("language", "default") in SHOWN_LANGUAGES:
                path = (folder / d["arg"].strip()).resolve() if d else folder
                out += [ShownLine(i + 1, _where(path), n, s) for n, s in included_lines(path, options)]
        out += [ShownLine(first + skip + k, source, first + skip + k, s) for k, s in enumerate(shown)]
        i = end + 1
    return out


def shown_code(md: Path, errata: dict[str, tuple[Path, dict]] | None = None) -> list[ShownLine]:
    """Every code line the built page of ``md`` shows in the blocks tests/test_reader.py reads
    (``errata``: the entries the page's 勘误 boxes show; default: this book's errata/*.yml)."""
    if errata is None:
        errata = errata_entries()
    return _scan(md.read_text(encoding="utf-8").splitlines(), md.parent, str(md), errata)


def long_lines(md: Path, columns: int = 80, errata: dict[str, tuple[Path, dict]] | None = None
               ) -> list[ShownLine]:
    """The shown code lines of ``md`` wider than ``columns`` (trailing spaces not counted)."""
    return [s for s in shown_code(md, errata) if _columns(s.text.rstrip()) > columns]


def page_key(md: Path) -> str:
    """The page name LONG_CODE_LINES uses: ``chapters/partN/stem``."""
    return f"chapters/{md.parent.name}/{md.stem}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="chapter .md files (default: all chapters)")
    parser.add_argument("--list", action="store_true", help="print each long line with where it is")
    parser.add_argument("--columns", type=int, default=None, help="width limit (default: CODE_COLUMNS)")
    args = parser.parse_args(argv)
    columns, allowance = reader_settings()
    if args.columns is not None:
        columns = args.columns
    files = args.files or sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md"))
    errata = errata_entries()
    over = 0
    total = 0
    for md in files:
        md = md.resolve()
        long = long_lines(md, columns, errata)
        key = page_key(md)
        allowed = allowance.get(key, 0)
        total += len(long)
        flag = "  OVER" if len(long) > allowed else ("  below" if len(long) < allowed else "")
        over += len(long) > allowed
        print(f"{key:45s} {len(long):4d}  allowed {allowed:4d}{flag}")
        if args.list:
            for s in long:
                where = "" if s.source == str(md) else f"  ({s.source}:{s.lineno})"
                print(f"    {md.name}:{s.md_line}: [{_columns(s.text.rstrip())}]{where} {s.text.rstrip()}")
    print(f"{'total':45s} {total:4d}  pages over their allowance: {over}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
