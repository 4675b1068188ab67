"""Sphinx extension: the build's environment and the 运行环境 appendix.

* Before any notebook kernel starts: ``BOOK_QUIET=1`` (progress bars stay out of the pages),
  TensorFlow's log level, and library caches redirected to the temp folder (kernels inherit
  all of it, so the build writes nothing under ``$HOME``).
* ``{book-runtime}``: a table, in Chinese, of each chapter's execution time in this build
  (read from myst-nb's execution records), and ``{book-versions}``: the versions of the
  packages the book runs on, read from the installed distributions at build time.

Why not myst-nb's ``{nb-exec-table}`` (checked with myst-nb 1.4): it reads the same records, but
takes no options; its English headers and ✅/❌ status sit in a private module dict
(``_key2header``), so Chinese labels would mean patching a private global, and it adds columns
readers don't need (modified, method) and no total. tests/test_ext.py fails when the upstream
directive gains options: then switch to it.
"""
from __future__ import annotations

import os
import platform
from importlib import metadata as importlib_metadata

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from book._env import redirect_caches

PACKAGES = ["torch", "tensorflow-cpu", "keras", "numpy", "scipy", "scikit-learn", "pandas",
            "matplotlib", "jupyter-book", "sphinx", "myst-nb", "jupytext", "nbclient", "pytest"]


class runtime_node(nodes.General, nodes.Element):
    """Placeholder, filled once every chapter has executed."""


class RuntimeDirective(SphinxDirective):
    has_content = False

    def run(self):
        self.env.book_runtime_docs = getattr(self.env, "book_runtime_docs", set()) | {self.env.docname}
        return [runtime_node()]


def _table(headers: list[str], rows: list[list[nodes.Node | str]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["colwidths-auto", "book-table"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for h in headers:
        row += nodes.entry("", nodes.paragraph(text=h))
    head += row
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for c in cells:
            para = nodes.paragraph()
            para += c if isinstance(c, nodes.Node) else nodes.Text(c)
            row += nodes.entry("", para)
        body += row
    return table


class RuntimeTransform(SphinxPostTransform):
    default_priority = 8  # before the reference resolvers

    def run(self, **kwargs) -> None:
        from myst_nb.sphinx_ import NbMetadataCollector
        from sphinx.addnodes import pending_xref

        for node in list(self.document.findall(runtime_node)):
            data = NbMetadataCollector.get_doc_data(self.env)
            rows = []
            total = 0.0
            for docname in sorted(data):
                exec_data = data[docname].get("exec_data")
                if not exec_data:
                    continue
                ref = pending_xref(refdoc=self.env.docname, reftarget="/" + docname, reftype="doc",
                                   refdomain="std", refexplicit=False, refwarn=True)
                ref += nodes.literal(text=docname)
                seconds = exec_data.get("runtime")
                total += seconds or 0.0
                rows.append([ref, "-" if seconds is None else f"{seconds:.1f}",
                             "通过" if exec_data.get("succeeded") else "失败"])
            rows.append(["合计", f"{total:.1f}", ""])
            node.replace_self(_table(["章节", "运行时间（秒）", "状态"], rows, [60, 20, 20]))


class VersionsDirective(SphinxDirective):
    has_content = False

    def run(self):
        rows = [["Python", platform.python_version()], ["操作系统", f"{platform.system()} {platform.machine()}"]]
        for name in PACKAGES:
            try:
                rows.append([name, importlib_metadata.version(name)])
            except importlib_metadata.PackageNotFoundError:
                continue
        return [_table(["软件", "版本"], rows, [50, 50])]


def _runtime_pages(app, env):
    """After (re-)execution, the pages with a runtime table must be rebuilt too."""
    return sorted(getattr(env, "book_runtime_docs", set()) & env.found_docs)


def setup(app):
    os.environ["BOOK_QUIET"] = "1"
    # figures must reach the page whatever the caller's MPLBACKEND (the tests set Agg)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    redirect_caches()
    app.add_node(runtime_node)
    app.add_directive("book-runtime", RuntimeDirective)
    app.add_directive("book-versions", VersionsDirective)
    app.add_post_transform(RuntimeTransform)
    app.connect("env-updated", _runtime_pages)
    return {"version": "0.2", "parallel_read_safe": True, "parallel_write_safe": True}
