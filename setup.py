"""Build hook: the wheel of ``book`` carries a copy of the chapters' Markdown.

Part VI trains its language model on the book's own prose (:func:`book.part6.corpus.book_corpus`).
In the repository the chapters are read from ``chapters/``; a reader who installs the package
elsewhere (an exported notebook's first cell on Colab does ``pip install "book @ git+…"``)
has no ``chapters/`` folder, so the wheel ships ``book/_corpus/chapters/**/*.md`` and
``book/_corpus/references.bib`` (``book.repo.SHIPPED``), copied from the sources at build time;
``book.repo.book_file`` finds them. Everything else is configured in ``pyproject.toml``.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithChapters(build_py):
    def run(self) -> None:
        super().run()
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "book" / "_corpus"
        shipped = ("chapters/**/*.md", "references.bib")  # = book.repo.SHIPPED (tests/test_package.py)
        for md in sorted(p for pattern in shipped for p in root.glob(pattern)):
            out = target / md.relative_to(root)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(md.read_bytes())


setup(cmdclass={"build_py": BuildPyWithChapters})
