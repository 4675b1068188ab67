"""本书仓库里的文件：在仓库的检出里读仓库的，在装好的包里（Colab、导出的笔记本）读随包带的副本。

The wheel of ``book`` carries a copy of the chapters' Markdown and of ``references.bib`` under
``book/_corpus/`` (``setup.py``), so that a chapter which reads one of them (Part VI's corpus,
the references check of Part II, the chapter table of Part IV) runs the same outside a checkout.
"""
from __future__ import annotations

from pathlib import Path

#: The repository's root when ``book`` is imported from a checkout.
CHECKOUT_ROOT = Path(__file__).resolve().parent.parent
#: The copy of the repository's files shipped inside an installed wheel (see ``setup.py``).
PACKAGED_ROOT = Path(__file__).resolve().parent / "_corpus"
#: What the wheel ships besides the package: globs relative to the repository root.
SHIPPED = ("chapters/**/*.md", "references.bib")


def book_file(rel: str) -> Path:
    """仓库中相对路径为 ``rel`` 的文件（如 ``"references.bib"``、``"chapters/part4/03_math.md"``）。

    在检出的仓库里返回仓库中的文件，否则返回随包安装的副本；两处都没有时报错。
    """
    if not isinstance(rel, str) or not rel or rel.startswith(("/", "\\")) or ".." in Path(rel).parts:
        raise ValueError(f"rel 应为仓库内的相对路径（如 'references.bib'），收到 {rel!r}")
    for root in (CHECKOUT_ROOT, PACKAGED_ROOT):
        if (root / "chapters").is_dir() and (root / rel).is_file():
            return root / rel
    raise FileNotFoundError(f"本书的文件 {rel!r} 既不在仓库 {CHECKOUT_ROOT} 中，也不在随包的副本 {PACKAGED_ROOT} 中")


def book_file_exists(rel: str) -> bool:
    """``rel`` 是否是本书仓库中的文件（仓库或随包副本）。"""
    try:
        book_file(rel)
    except FileNotFoundError:
        return False
    return True
