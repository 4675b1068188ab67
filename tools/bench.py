"""The book's performance record: run every chapter as a notebook and time it.

Usage (from the repository root)::

    python tools/bench.py                       # every chapter, writes bench/results.json
    python tools/bench.py -k part3 --out /tmp/r.json
    python tools/bench.py -k part6/04 --update      # re-measure one chapter in the committed record

Each chapter ``chapters/partN/NN_x.md`` is read as the tests and the book build read it
(``tests/chapter_runner.read_chapter``: myst-nb's own reader) and executed with nbclient in a
fresh process on the current device (a GPU when PyTorch sees one). The record
holds, per chapter: device, wall time, CPU time, peak memory of the kernel, and whether every
cell (so every ``assert``) passed; and, for the whole run: the machine (CPU model, cores,
memory), the measured matmul throughput (:func:`book.timing.measure_matmul_flops`, the same code
the cost chapters use), package versions and the date. The 性能 appendix renders the
committed ``bench/results.json``.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # chapter_runner: the one reader of chapters
PACKAGES = ("torch", "tensorflow-cpu", "keras", "numpy", "scikit-learn", "matplotlib", "jupyter-book")
TARGET_S = 45.0


def chapters(root: Path = ROOT, keyword: str | None = None) -> list[Path]:
    """The chapter notebooks (``chapters/part*/NN_*.md``), optionally those whose path holds ``keyword``."""
    found = sorted((root / "chapters").glob("part*/[0-9][0-9]_*.md"))
    if keyword:
        found = [p for p in found if keyword in p.relative_to(root).as_posix()]
    return found


def run_one(md: Path, timeout: int = 600) -> dict[str, Any]:
    """Execute one chapter in this process (its kernel is a child); return its measurements."""
    from chapter_runner import read_chapter
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = read_chapter(md)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(md.parent)}})
    start = time.perf_counter()
    error = ""
    try:
        client.execute()
    except CellExecutionError as err:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip()   # no terminal colours in the record
        error = text.splitlines()[-1][:300] if text else "cell failed"
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel, reaped at shutdown
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024, 1), "passed": not error, "error": error}


def machine() -> dict[str, Any]:
    """What the record was taken on."""
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                            "cores": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:  # not Linux
        info["cpu"] = platform.processor()
    import torch

    from book.device import torch_device
    from book.timing import measure_matmul_flops

    device = torch_device()
    info["device"] = str(device)
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
    info["matmul_gflops_fp32"] = round(measure_matmul_flops(512, device=device) / 1e9, 1)
    info["packages"] = {}
    for name in PACKAGES:
        try:
            info["packages"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return info


def run_all(paths: list[Path], out: Path, timeout: int = 600, *, update: bool = False) -> dict[str, Any]:
    """Run each chapter in a fresh process and write the record to ``out`` (JSON).

    With ``update=True`` the rows of the chapters run now replace their rows in the existing
    record at ``out`` (after a chapter changed); the others are kept, each with its own date.
    """
    if not paths:
        raise ValueError("没有找到要运行的章节")
    old: list[dict[str, Any]] = []
    if update:
        if not out.exists():
            raise ValueError(f"--update 需要已有的记录 {out}")
        old = json.loads(out.read_text(encoding="utf-8"))["chapters"]
    today = _dt.date.today().isoformat()
    rows = []
    for md in paths:
        rel = md.relative_to(ROOT).as_posix() if md.is_relative_to(ROOT) else str(md)
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--one", str(md), "--timeout", str(timeout)],
                              capture_output=True, text=True, timeout=timeout * 2,
                              env=dict(os.environ, BOOK_QUIET="1"))
        try:
            row = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            row = {"wall_s": None, "cpu_s": None, "peak_mb": None, "passed": False,
                   "error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]}
        row["chapter"] = rel
        row["date"] = today
        rows.append(row)
        status = "通过" if row["passed"] else f"失败：{row['error']}"
        print(f"{rel}: {row['wall_s']} s, {row['peak_mb']} MB, {status}", flush=True)
    if update:
        fresh = {r["chapter"]: r for r in rows}
        kept = [r for r in old if r["chapter"] not in fresh]
        rows = sorted(kept + rows, key=lambda r: r["chapter"])
    record = {"date": today, "machine": machine(), "target_s": TARGET_S, "chapters": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python tools/bench.py", description="运行每一章并记录时间与内存")
    ap.add_argument("-k", dest="keyword", help="只运行路径中含有这个字符串的章节")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument("--timeout", type=int, default=600, help="每个代码格的超时（秒）")
    ap.add_argument("--update", action="store_true", help="只替换本次运行的章节在已有记录中的行")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.timeout)))
        return 0
    record = run_all(chapters(ROOT, args.keyword), args.out, args.timeout, update=args.update)
    failed = [r["chapter"] for r in record["chapters"] if not r["passed"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
