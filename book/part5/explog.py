"""Engineering discipline made executable: a glossary loader, data versions and an experiment log.

Part V, chapter 01 (:doc:`chapters/part5/01_background`). An :class:`ExperimentLog` keeps one row
per training run: the run's configuration, its random seed, the version (content hash) of the data it
saw and its metrics. From it one chooses a configuration on validation data, reports the test score
once, and re-runs a recorded run to check that it gives the same number.
"""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._checks import check_positive_int

GLOSSARY = Path(__file__).with_name("glossary.yml")
_GLOSSARY_FIELDS = ("zh", "en", "definition", "source")


def load_glossary(path: str | Path = GLOSSARY) -> list[dict[str, str]]:
    """Read the glossary (a YAML list of ``{zh, en, definition, source}``) and check every entry."""
    import yaml

    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: 术语表应是非空的列表")
    seen: set[str] = set()
    for i, e in enumerate(entries):
        missing = [f for f in _GLOSSARY_FIELDS if not (isinstance(e, dict) and str(e.get(f, "")).strip())]
        if missing:
            raise ValueError(f"{path}: 第 {i + 1} 条缺少字段 {missing}")
        if e["zh"] in seen:
            raise ValueError(f"{path}: 术语 {e['zh']!r} 重复")
        seen.add(e["zh"])
    return [{k: str(e[k]) for k in _GLOSSARY_FIELDS} for e in entries]


def data_version(*arrays: np.ndarray, length: int = 12) -> str:
    """数据内容的指纹：对各数组（连同形状和类型）做 SHA-256，
    取前 ``length`` 个十六进制位。

    A fingerprint of the data's content: the first ``length`` hex digits of a
    SHA-256 over the arrays.

    Shape and dtype are hashed too, so the same bytes read as another shape
    give another version.
    """
    if not arrays:
        raise ValueError("data_version 至少需要一个数组")
    check_positive_int("length", length)
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a))
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:length]


@dataclass
class Run:
    """One recorded training run."""

    run_id: int
    config: dict[str, Any]
    seed: int
    data: str
    metrics: dict[str, float]

    def row(self) -> dict[str, Any]:
        return {"run_id": self.run_id, **self.config, "seed": self.seed, "data": self.data, **self.metrics}


@dataclass
class ExperimentLog:
    """An append-only table of runs: configuration, seed, data version, metrics."""

    runs: list[Run] = field(default_factory=list)

    def record(self, config: dict[str, Any], seed: int, data: str, metrics: dict[str, float]) -> Run:
        """Append a run and return it; ``config`` must be JSON-serialisable, ``metrics`` numbers."""
        if not isinstance(config, dict) or not isinstance(metrics, dict) or not metrics:
            raise ValueError("config 与 metrics 应为字典，metrics 不能为空")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed 应为整数，收到 {seed!r}")
        if not isinstance(data, str) or not data:
            raise ValueError("data 应为非空的数据版本字符串（见 data_version）")
        json.dumps(config)  # raises TypeError for values a CSV could not keep
        clash = set(config) & ({"run_id", "seed", "data"} | set(metrics))
        if clash:
            raise ValueError(f"配置名与保留列或指标名冲突：{sorted(clash)}")
        bad = {k: v for k, v in metrics.items() if not np.isfinite(float(v))}
        if bad:
            raise ValueError(f"指标应为有限的数：{bad}")
        run = Run(len(self.runs), dict(config), int(seed), data, {k: float(v) for k, v in metrics.items()})
        self.runs.append(run)
        return run

    def frame(self):
        """The log as a pandas DataFrame, one row per run."""
        import pandas as pd

        return pd.DataFrame([r.row() for r in self.runs])

    def get(self, run_id: int) -> Run:
        if not 0 <= run_id < len(self.runs):
            raise KeyError(f"没有编号为 {run_id} 的运行（共 {len(self.runs)} 条）")
        return self.runs[run_id]

    def choose(self, metric: str, *, by: list[str], higher_is_better: bool = True):
        """Average ``metric`` over seeds for each configuration (columns ``by``); return (best config, table).

        The table has the mean, the standard deviation and the number of seeds of each configuration.
        """
        df = self.frame()
        if df.empty:
            raise ValueError("记录为空，无从选择")
        if metric not in df.columns:
            raise ValueError(f"没有指标 {metric!r}；已有：{list(df.columns)}")
        table = df.groupby(by)[metric].agg(["mean", "std", "count"]).reset_index()
        table = table.sort_values("mean", ascending=not higher_is_better, kind="stable").reset_index(drop=True)
        best = {k: (v.item() if hasattr(v, "item") else v) for k, v in table.iloc[0][by].items()}
        return best, table

    def save_csv(self, path: str | Path) -> None:
        """Write the runs to ``path`` (config and metrics as JSON columns, so nothing is lost)."""
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["run_id", "config", "seed", "data", "metrics"])
            for r in self.runs:
                w.writerow([r.run_id, json.dumps(r.config, sort_keys=True), r.seed, r.data,
                            json.dumps(r.metrics, sort_keys=True)])

    @classmethod
    def load_csv(cls, path: str | Path) -> "ExperimentLog":
        log = cls()
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                log.record(json.loads(row["config"]), int(row["seed"]), row["data"], json.loads(row["metrics"]))
        return log


def rerun(log: ExperimentLog, run_id: int,
          train: Callable[..., dict[str, float]], data: str,
          *, atol: float = 1e-6) -> dict[str, float]:
    """按记录重跑 ``run_id``（``train(seed=..., **config)``）并核对能否复现。
    数据版本不同时拒绝；指标差超过 ``atol`` 时抛出 ``AssertionError``。

    Re-run recorded run ``run_id`` with ``train(seed=..., **config)`` and check
    it reproduces.

    Refuses when the data version differs from the recorded one; raises
    ``AssertionError`` when a metric differs by more than ``atol``. Returns the
    new metrics.
    """
    run = log.get(run_id)
    if data != run.data:
        raise ValueError(f"数据版本不同：记录为 {run.data}，现在是 {data}；"
                         "先找回当时的数据")
    new = train(seed=run.seed, **run.config)
    for k, v in run.metrics.items():
        if abs(float(new[k]) - v) > atol:
            raise AssertionError(f"运行 {run_id} 的 {k} 没有复现："
                                 f"记录 {v:.6g}，重跑 {float(new[k]):.6g}")
    return new
