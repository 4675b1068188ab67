"""Dump the values a chapter glues, and compare two dumps (a refactor changes no number).

    python tools/glue_dump.py chapters/part2/02_algorithms.md -o /tmp/before/p2_02.json
    python tools/glue_dump.py --compare /tmp/before/p2_02.json /tmp/after/p2_02.json

The chapter runs through the tests' reader and runner (``tests/chapter_runner.execute``: the
chapter as myst-nb reads it, a fresh kernel, the same probe cells), with one more cell before
the last probe cell that writes ``book.glue.GLUED`` and ``book.glue.MEASURED`` to the JSON
file: ``{"chapter": …, "seed_offset": …, "values": {name: value}, "measured": [names]}``.
Values glued with ``measured=True`` (times, throughput and what is computed from them) differ
from run to run; :func:`compare` skips them. Every other value must be equal, floats exactly
(JSON keeps a float's shortest repr, which round-trips).

The seed switch: run both dumps with the same ``BOOK_SEED_OFFSET`` (unset = offset 0).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import chapter_runner  # noqa: E402  (the tests' reader and runner)

_DUMP = r'''
import json as _book_json
import sys as _book_sys
import book  # noqa: F401
_book_glue = _book_sys.modules["book.glue"]  # the module (book.glue is also the function)
def _book_default(v):
    return repr(v)
with open({path!r}, "w", encoding="utf-8") as _f:
    _book_json.dump({{"values": _book_glue.GLUED, "measured": sorted(_book_glue.MEASURED)}}, _f,
                    ensure_ascii=False, indent=1, sort_keys=True, default=_book_default)
'''


def dump_cell(path: Path) -> str:
    """The code of the cell that writes the kernel's glued values to ``path``."""
    return _DUMP.format(path=str(path))


def dump(md: Path, out: Path, timeout: int = 240) -> dict:
    """Execute chapter ``md`` once (the tests' runner) and write its glued values to ``out``.

    Returns the dump (also written to ``out``); raises ``RuntimeError`` with the runner's
    error when the chapter fails (a failing chapter has no trustworthy numbers).
    """
    md, out = Path(md).resolve(), Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_suffix(".raw.json")
    original = chapter_runner.PROBE_END
    chapter_runner.PROBE_END = dump_cell(raw) + original
    try:
        record = chapter_runner.execute(md, out.parent / f"run_{out.stem}", timeout)
    finally:
        chapter_runner.PROBE_END = original
    if not record["ok"]:
        raise RuntimeError(f"{md.name} 执行失败：\n{record['error']}")
    data = json.loads(raw.read_text(encoding="utf-8"))
    raw.unlink()
    result = {"chapter": str(md.relative_to(ROOT)) if md.is_relative_to(ROOT) else str(md),
              "seed_offset": os.environ.get("BOOK_SEED_OFFSET", "0") or "0",
              "seconds": round(record["seconds"], 1), **data}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return result


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def compare(before: dict, after: dict) -> list[str]:
    """The differences between two dumps, one line each (empty: the same numbers).

    Names measured in either dump are skipped; a name glued in only one dump is a difference,
    and so is a value of another type (``1`` vs ``1.0``) or any other value (floats exactly).
    """
    if before.get("seed_offset") != after.get("seed_offset"):
        return [f"seed_offset differs: {before.get('seed_offset')} vs {after.get('seed_offset')}"]
    skip = set(before.get("measured", [])) | set(after.get("measured", []))
    a, b = before["values"], after["values"]
    out = []
    for name in sorted(set(a) | set(b)):
        if name in skip:
            continue
        if name not in b:
            out.append(f"{name}: only before ({a[name]!r})")
        elif name not in a:
            out.append(f"{name}: only after ({b[name]!r})")
        elif not _same(a[name], b[name]):
            out.append(f"{name}: {a[name]!r} -> {b[name]!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapter", nargs="?", type=Path, help="chapter Markdown to execute")
    parser.add_argument("-o", "--out", type=Path, help="JSON file to write")
    parser.add_argument("--timeout", type=int, default=240, help="seconds per cell")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        diffs = compare(before, after)
        n = len(set(before["values"]) - set(before["measured"]))
        print(f"{after.get('chapter')}: {n} values compared, {len(before['measured'])} measured skipped, "
              f"{len(diffs)} differ")
        for line in diffs:
            print("  " + line)
        return 1 if diffs else 0
    if args.chapter is None or args.out is None:
        parser.error("give a chapter and -o OUT, or --compare BEFORE AFTER")
    result = dump(args.chapter, args.out, args.timeout)
    print(f"{result['chapter']}: {len(result['values'])} glued ({len(result['measured'])} measured), "
          f"{result['seconds']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
