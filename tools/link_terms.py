"""Link each glossary term at its first use in each chapter: ``交叉熵`` → ``{term}`交叉熵```.

Usage::

    python tools/link_terms.py                      # report what would be linked, change nothing
    python tools/link_terms.py --write              # link in place
    python tools/link_terms.py --check              # exit 1 if a chapter has an unlinked first use
    python tools/link_terms.py chapters/part2/*.md  # only these chapters

The terms are those of the 术语表 (every ``glossary.yml``, read by ``_ext/book_glossary.py``).
Only prose is touched: not the front matter, code cells and fenced blocks, directive options,
maths (``$…$``, ``$$…$$``), inline code, headings, labels, HTML, links, or text that is already
inside a role (``{glue:text}`…```, ``{term}`…```, ``{ref}`…```). Longer terms win over the
terms they contain (随机梯度下降 before 梯度下降), and each term is linked once per chapter,
at its first use in prose; a chapter that already links a term is left alone for that term.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

# spans of a prose line that must not be touched
_PROTECTED = re.compile(
    r"\{[a-z][\w:-]*\}`[^`]*`"      # a role with its content
    r"|`[^`]*`"                      # inline code
    r"|\$\$.*?\$\$|\$[^$]*\$"        # maths
    r"|\[[^\]]*\]\([^)]*\)"          # a Markdown link
    r"|<[^>]+>"                      # HTML
    r"|https?://\S+")


def glossary_terms() -> list[str]:
    from book_glossary import load_glossary

    terms = [e["zh"] for e in load_glossary(ROOT)]
    return sorted(terms, key=len, reverse=True)


def prose_lines(text: str):
    """Indices of the lines of a MyST chapter that are prose."""
    lines = text.split("\n")
    fence: str | None = None
    in_front = lines[:1] == ["---"]
    for i, line in enumerate(lines):
        if in_front:
            if i > 0 and line == "---":
                in_front = False
            continue
        stripped = line.lstrip()
        m = re.match(r"(`{3,}|:{3,}|~{3,})", stripped)
        if fence is None and m:
            opener = m.group(1)
            rest = stripped[len(opener):]
            # prose-bearing directives (admonitions, exercises, solutions) keep their body as prose
            if re.match(r"\{(note|tip|warning|important|exercise|solution-start|admonition|dropdown)\}", rest):
                continue
            fence = opener[0] * len(opener)
            continue
        if fence is not None:
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = None
            continue
        if (not stripped or stripped.startswith(("#", ":", "(", "|", "<", "$$", "```", ">", "%"))
                or re.match(r"^\s*[-*]\s*$", line)):
            continue
        yield i


def link_text(text: str, terms: list[str]) -> tuple[str, list[str]]:
    """``text`` with the first prose use of each term linked; and the terms linked."""
    already = set(re.findall(r"\{term\}`([^`<]*?)(?:\s*<([^>]+)>)?`", text))
    linked_before = {a or b for pair in already for a, b in [pair]} | {b for _, b in already if b}
    lines = text.split("\n")
    done: set[str] = set(t for t in linked_before if t)
    new_links: list[str] = []
    in_math_block = False
    for i in prose_lines(text):
        line = lines[i]
        if line.count("$$") % 2:  # a display formula that spans lines
            in_math_block = not in_math_block
            continue
        if in_math_block:
            continue
        protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(line)]
        taken: list[tuple[int, int]] = []
        for term in terms:
            if term in done:
                continue
            for m in re.finditer(re.escape(term), line):
                s, e = m.span()
                if any(a < e and s < b for a, b in protected + taken):
                    continue
                taken.append((s, e))
                done.add(term)
                new_links.append(term)
                break
        for s, e in sorted(taken, reverse=True):
            line = line[:s] + "{term}`" + line[s:e] + "`" + line[e:]
        lines[i] = line
    return "\n".join(lines), new_links


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--write", action="store_true", help="change the files")
    ap.add_argument("--check", action="store_true", help="fail when a first use is not linked")
    args = ap.parse_args(argv)
    files = args.files or sorted((ROOT / "chapters").glob("part*/[0-9][0-9]_*.md"))
    terms = glossary_terms()
    total = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        new, links = link_text(text, terms)
        if links:
            total += len(links)
            print(f"{path}: {len(links)} 个术语：{'、'.join(links)}")
            if args.write:
                path.write_text(new, encoding="utf-8")
    print(f"共 {total} 处{'已链接' if args.write else '可链接'}")
    return 1 if args.check and total else 0


if __name__ == "__main__":
    sys.exit(main())
