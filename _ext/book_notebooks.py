"""Sphinx extension: every chapter as a stand-alone Jupyter notebook (download and Colab).

At HTML-writing time each chapter ``chapters/partN/NN_x.md``, read by myst-nb's own reader (as the
build and the chapter tests read it: :func:`read_chapter`), is converted into
``_notebooks/chapters/partN/NN_x.ipynb`` in the HTML output, and its MyST markup is turned
into plain Jupyter Markdown (:func:`myst_to_markdown`), so the notebook reads well in
JupyterLab or on Colab where no Sphinx runs:

* ``{glue:text}`name:.3f``` → the value this build computed (from myst-nb's glue record);
* ``{erratum} ID`` → the 勘误 box as a quotation, from ``errata/*.yml``;
* ``{exercise}`` → **练习 n**; the solution (text and code) in a collapsed ``<details>``;
* ``{cite:p}`key``` → （作者, 年份）, with a 参考文献 cell at the end;
* ``{ref}``, ``{numref}``, ``{doc}``, ``{term}`` → their text; ``{literalinclude}`` → the code;
  other directives → quotations; ``(label)=`` lines are dropped.

Why a small regex parser of MyST and not QuantEcon's sphinx-tojupyter or the resolved doctree
(evaluated): sphinx-tojupyter (0.6) is a separate Sphinx builder — a second build of the whole
book, with dask, nbdime and nbconvert as dependencies — and would need translators for the
book's own nodes (erratum, exercise/solution, glue, glossary terms); converting the resolved
doctree back to Markdown needs a docutils → Markdown writer the build does not have, and would
lose the chapter's own cell boundaries and code-cell sources, which the notebooks keep exactly.
The parser handles only the markup the chapters use; tests/test_ext.py converts every chapter
and fails on any directive, role or label left in a Markdown cell.

A first cell installs, on Colab only, the CJK font and the ``book`` package from the
repository named once in ``_config.yml``. Every chapter page gets two links at the top: the
download and "在 Colab 中打开", both pointing at this generated notebook.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Callable

from errata_data import by_id, load_errata

COLAB_SETUP = """# 在 Colab 上：安装中文字体与构建本笔记本的那一版 book 包（在本地运行时这一格什么也不做）
import sys
if "google.colab" in sys.modules:
    get_ipython().run_line_magic("pip", "install -q \\"book[colab] @ {package}\\"")
"""

COLAB_NO_COMMIT = """# 在 Colab 上：这份笔记本不是从一次 git 提交构建的，无法安装与它对应的 book 包（本地运行时这一格什么也不做）
import sys
if "google.colab" in sys.modules:
    raise RuntimeError("这份笔记本不是从一次 git 提交构建的：请按仓库 README 在本地运行，或打开已发布网站上的笔记本。")
"""

#: The repository named in the template this book started from. A build that still has it says
#: so once: its Colab links and install cells point at a repository that publishes nothing.
PLACEHOLDER_REPO = "https://github.com/llm-startup-book/llm-startup-book"

CHAPTER = re.compile(r"^chapters/part\d+/\d\d_[\w-]+$")
_FENCE = re.compile(r"^(?P<mark>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
_ROLE = re.compile(r"\{(?P<name>[a-z][\w:-]*)\}`(?P<body>[^`]*)`")
_LABEL_LINE = re.compile(r"^\([\w:.-]+\)=\s*$")
_ADMONITION_TITLES = {"note": "注", "tip": "提示", "warning": "注意", "important": "重要",
                      "caution": "小心", "hint": "提示", "seealso": "另见", "attention": "注意"}


class Context:
    """What the conversion of one chapter needs to know about the build."""

    def __init__(self, docname: str, srcdir: Path, glue: dict, errata: dict,
                 bib: dict[str, dict[str, str]], resolve: Callable[[str, str], str]):
        self.docname = docname
        self.srcdir = srcdir
        self.glue = glue
        self.errata = errata
        self.bib = bib
        self.resolve = resolve  # (role, target) -> readable text
        self.cited: list[str] = []
        self.exercises = 0


# --- roles ------------------------------------------------------------------------------
def _glue_text(ctx: Context, body: str) -> str:
    key, _, fmt = body.partition(":")
    entry = ctx.glue.get(key)
    if entry is None:
        raise KeyError(f"{ctx.docname}: glue 值 {key!r} 不在本次构建的记录中")
    from myst_nb.core.variables import format_plain_text  # the formatter the HTML pages use

    return format_plain_text(str(entry.get("data", {}).get("text/plain", "")).strip(), fmt)


def _cite(ctx: Context, name: str, body: str) -> str:
    keys = [k.strip() for k in body.split(",") if k.strip()]
    parts = []
    for key in keys:
        if key not in ctx.cited:
            ctx.cited.append(key)
        entry = ctx.bib.get(key, {"short": key, "year": ""})
        parts.append((entry["short"], entry["year"]))
    if name == "cite:t":
        return "；".join(f"{a}（{y}）" for a, y in parts)
    return "（" + "；".join(f"{a}, {y}" for a, y in parts) + "）"


def _target_text(body: str) -> tuple[str | None, str]:
    m = re.match(r"^(.*?)\s*<([^<>]+)>$", body.strip())
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return None, body.strip()


def convert_roles(text: str, ctx: Context) -> str:
    def repl(m: re.Match) -> str:
        name, body = m.group("name"), m.group("body")
        if name in ("glue:text", "glue", "glue:any"):
            return _glue_text(ctx, body)
        if name.startswith("cite"):
            return _cite(ctx, name, body)
        if name == "math":
            return f"${body}$"
        title, target = _target_text(body)
        if title:
            return title
        return ctx.resolve(name, target)

    return _ROLE.sub(repl, text)


# --- directives -------------------------------------------------------------------------
def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip().splitlines())


def _pyobject(path: Path, name: str) -> str:
    """Source of a function, class or ``Class.method`` (as Sphinx's ``:pyobject:``), dedented."""
    import textwrap

    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    scope: list[ast.stmt] = ast.parse(source).body
    node = None
    for part in name.split("."):
        node = next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise KeyError(f"{path} 中没有 {name}")
        scope = node.body
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return textwrap.dedent("\n".join(lines[start - 1:node.end_lineno]))


def _directive(name: str, arg: str, options: dict[str, str], body: str, ctx: Context) -> str:
    if name == "erratum":
        e = ctx.errata[arg.strip()]
        text = (f"**勘误 · §{e.section}**（《{e.article_title}》）\n\n**原文**：\n\n{_quote(e.claim)}\n\n"
                f"**更正**：{e.correction}")
        return _quote(convert_roles(text, ctx))
    if name == "exercise":
        ctx.exercises += 1
        return f"**练习 {ctx.exercises}**\n\n{body}"
    if name == "literalinclude":
        path = (ctx.srcdir / Path(ctx.docname).parent / arg.strip()).resolve()
        code = _pyobject(path, options["pyobject"]) if "pyobject" in options else path.read_text(encoding="utf-8")
        lang = options.get("language", "python")
        rel = arg.strip().replace("../", "")
        return f"（摘自 `{rel}`）\n\n```{lang}\n{code}\n```"
    if name in ("math",):
        return f"$$\n{body}\n$$"
    if name in ("code-block", "code"):
        return f"```{arg.strip()}\n{body}\n```"
    if name in _ADMONITION_TITLES or name == "admonition":
        title = arg.strip() if name == "admonition" else _ADMONITION_TITLES[name]
        return _quote(f"**{title}**\n\n{body}")
    return _quote(f"**{arg.strip()}**\n\n{body}" if arg.strip() else body)


def myst_to_markdown(text: str, ctx: Context) -> str:
    """Turn one Markdown cell's MyST into Jupyter Markdown (roles, directives, labels)."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _LABEL_LINE.match(line.strip()):
            i += 1
            continue
        m = _FENCE.match(line.strip())
        if not m:
            out.append(line)
            i += 1
            continue
        mark, name, arg = m.group("mark"), m.group("name"), m.group("arg")
        j = i + 1
        options: dict[str, str] = {}
        body: list[str] = []
        if j < len(lines) and lines[j].strip() == "---":  # YAML options block
            j += 1
            while j < len(lines) and lines[j].strip() != "---":
                k, _, v = lines[j].partition(":")
                options[k.strip()] = v.strip()
                j += 1
            j += 1
        while j < len(lines) and re.match(r"^:[\w-]+:", lines[j].strip()):
            k, _, v = lines[j].strip()[1:].partition(":")
            options[k.strip()] = v.strip()
            j += 1
        depth = 0
        while j < len(lines):
            s = lines[j].strip()
            inner = _FENCE.match(s)
            if inner and inner.group("mark") == mark:
                depth += 1
            elif s == mark:
                if depth == 0:
                    break
                depth -= 1
            body.append(lines[j])
            j += 1
        inner_text = myst_to_markdown("\n".join(body), ctx)
        out.append(_directive(name, arg, options, inner_text, ctx))
        i = j + 1
    return convert_roles("\n".join(out), ctx)


# --- whole notebooks --------------------------------------------------------------------
_SOLUTION = re.compile(r"^[`:]{3,}\{solution-(?P<kind>start|end)\}[^\n]*\n(?::[^\n]*\n)*[`:]{3,}[ \t]*$",
                       re.M)


def convert_notebook(nb, ctx: Context, *, repo: str, page_url: str | None, commit: str | None = None):
    """Rewrite the cells of a chapter notebook (:func:`read_chapter`) in place and return it."""
    import nbformat

    cells = []
    solution: list[str] | None = None  # parts of an open solution

    def emit_markdown(text: str) -> None:
        if text.strip():
            if solution is not None:
                solution.append(text.strip())
            else:
                cells.append(nbformat.v4.new_markdown_cell(text.strip()))

    for cell in nb.cells:
        if cell.cell_type == "code":
            src = cell.source
            if solution is not None:
                solution.append(f"```python\n{src}\n```")
            else:
                cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
                cells.append(cell)
            continue
        text = cell.source
        # split the Markdown at solution-start / solution-end fences
        pos = 0
        for m in _SOLUTION.finditer(text):
            emit_markdown(myst_to_markdown(text[pos:m.start()], ctx))
            if m.group("kind") == "start":
                solution = []
            else:
                body = "\n\n".join(solution or [])
                solution = None
                cells.append(nbformat.v4.new_markdown_cell(
                    f"<details>\n<summary>答案（点击展开）</summary>\n\n{body}\n\n</details>"))
            pos = m.end()
        emit_markdown(myst_to_markdown(text[pos:], ctx))
    if ctx.cited:
        refs = "\n".join(f"- {ctx.bib.get(k, {}).get('full', k)}" for k in ctx.cited)
        cells.append(nbformat.v4.new_markdown_cell(f"## 参考文献\n\n{refs}"))
    head = "本笔记本由《大模型创业：可运行的技术读本》导出。"
    if page_url:
        head += f"在线阅读（含图与输出）：<{page_url}>。"
    head += "正文中的数字是构建本书时计算出的值；运行下面的代码会重新计算并检验它们。"
    cells.insert(0, nbformat.v4.new_markdown_cell(head))
    if repo:
        spec = package_spec(repo, commit)
        cells.insert(1, nbformat.v4.new_code_cell(COLAB_SETUP.format(package=spec) if spec else COLAB_NO_COMMIT))
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    return nb


def read_bib(path: Path) -> dict[str, dict[str, str]]:
    """Short (作者, 年份) and full reference strings of every entry of a BibTeX file."""
    from pybtex.database import parse_file

    out: dict[str, dict[str, str]] = {}
    if not path.exists():
        return out
    for key, entry in parse_file(str(path)).entries.items():
        people = entry.persons.get("author", []) or entry.persons.get("editor", [])
        last = [" ".join(p.last_names) for p in people]
        if len(last) == 1:
            short = last[0]
        elif len(last) == 2:
            short = f"{last[0]} & {last[1]}"
        elif last:
            short = f"{last[0]} et al."
        else:
            short = entry.fields.get("organization", key)
        year = entry.fields.get("year", "")
        names = ", ".join(" ".join(p.first_names + p.middle_names + p.last_names) for p in people)
        title = entry.fields.get("title", "").replace("{", "").replace("}", "")
        venue = (entry.fields.get("journal") or entry.fields.get("booktitle")
                 or entry.fields.get("publisher") or entry.fields.get("howpublished", ""))
        full = f"{names} ({year}). {title}." + (f" {venue}." if venue else "")
        out[key] = {"short": short, "year": year, "full": full.replace("{", "").replace("}", "")}
    return out


def _resolver(app, env, docname: str) -> Callable[[str, str], str]:
    labels = env.domaindata["std"]["labels"]
    anon = env.domaindata["std"]["anonlabels"]

    def resolve(role: str, target: str) -> str:
        if role == "doc":
            doc = target.lstrip("/")
            if doc not in env.titles:  # relative to the chapter's folder
                doc = str(Path(docname).parent / doc)
            title = env.titles.get(doc)
            return f"《{title.astext()}》" if title is not None else target
        if role == "numref":
            if target in anon:
                doc, lid = anon[target]
                for kind, word in (("figure", "图"), ("table", "表"), ("code-block", "代码")):
                    num = env.toc_fignumbers.get(doc, {}).get(kind, {}).get(lid)
                    if num:
                        return f"{word} {'.'.join(map(str, num))}"
            return target
        if role == "ref" and target in labels:
            return f"“{labels[target][2]}”"
        if role == "eq":
            return f"式 ({target})"
        return target

    return resolve


def read_chapter(path: Path, extensions: set[str]):
    """The chapter as a notebook, read by myst-nb's reader (the reader of the build and of
    ``tests/chapter_runner.read_chapter``) with the book's MyST extensions."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"),
                                       config=MdParserConfig(enable_extensions=set(extensions)),
                                       path=str(path))


def write_notebook(app, docname: str) -> str:
    """Write ``_notebooks/<docname>.ipynb`` into the HTML output; return its relative path."""
    import nbformat

    env = app.env
    srcdir = Path(app.srcdir)
    glue_file = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.glue.json"
    glue = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.exists() else {}
    if not hasattr(env, "book_bib"):
        env.book_bib = read_bib(srcdir / "references.bib")
    ctx = Context(docname, srcdir, glue, by_id(load_errata(srcdir)), env.book_bib, _resolver(app, env, docname))
    nb = read_chapter(srcdir / f"{docname}.md", set(app.config.myst_enable_extensions))
    base = str(app.config.html_baseurl or "").rstrip("/")
    page_url = f"{base}/{docname}.html" if base else None
    convert_notebook(nb, ctx, repo=repo_url(app), page_url=page_url, commit=build_commit(app))
    rel = f"_notebooks/{docname}.ipynb"
    out = Path(app.outdir) / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return rel


def repo_url(config) -> str:
    """The repository URL, set once in ``_config.yml`` (``repository: url:``); takes the Sphinx
    config (or the app, whose config is used)."""
    config = getattr(config, "config", config)
    options = getattr(config, "html_theme_options", None) or {}
    return str(options.get("repository_url", "") or "").rstrip("/")


def build_commit(app) -> str | None:
    """The commit this build was made from: ``BOOK_COMMIT`` (set by the publishing workflow and
    the tests' build of a copy), else ``git rev-parse HEAD`` in the source folder, else None."""
    import os
    import subprocess

    if getattr(app, "_book_commit", "unset") != "unset":
        return app._book_commit
    commit = os.environ.get("BOOK_COMMIT", "").strip() or None
    if commit is None:
        try:
            proc = subprocess.run(["git", "-C", str(app.srcdir), "rev-parse", "HEAD"],
                                  capture_output=True, text=True, timeout=30)
            commit = proc.stdout.strip() if proc.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            commit = None
    if commit is not None and not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise ValueError(f"BOOK_COMMIT 应为 40 位十六进制的提交号，收到 {commit!r}")
    app._book_commit = commit
    return commit


def package_spec(repo: str, commit: str | None) -> str | None:
    """What the Colab cell installs: ``git+<repo>@<commit>``, the very commit the notebook was
    built from (never a moving branch); None without a known commit (the cell then says so)."""
    return None if commit is None else f"git+{repo}@{commit}"


def colab_url(app, rel: str) -> str | None:
    """Colab opens a notebook from GitHub. The publishing workflow (.github/workflows/publish.yml)
    pushes ``_build/html`` to the gh-pages branch, so ``rel`` (a path inside ``_build/html``) is
    at ``blob/gh-pages/<rel>`` there."""
    repo = repo_url(app)
    if not repo.startswith("https://github.com/"):
        return None
    return f"https://colab.research.google.com/github/{repo[len('https://github.com/'):]}/blob/gh-pages/{rel}"


def _download_notebook_button(app, pagename, templatename, context, doctree):
    """The header's download menu offers the exported notebook (glue values filled in, MyST
    turned into Markdown) instead of the raw ``.md`` source, which a reader cannot use."""
    if app.builder.format != "html" or not CHAPTER.match(pagename):
        return
    rel = f"_notebooks/{pagename}.ipynb"
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        buttons = [b for b in group["buttons"] if b.get("label") != "download-source-button"]
        buttons.insert(0, {"type": "link", "url": context["pathto"](rel, 1), "text": ".ipynb",
                           "tooltip": "下载本章笔记本", "icon": "fas fa-code",
                           "label": "download-notebook-button"})
        group["buttons"] = buttons


def _say_placeholder(app) -> None:
    """Say once, clearly, that the links of this build point at the template's repository."""
    from sphinx.util import logging

    if repo_url(app) == PLACEHOLDER_REPO:
        logging.getLogger(__name__).info(
            "\n本书的仓库地址仍是模板里的占位地址 %s：本地阅读不受影响，但“在 Colab 中打开”链接与"
            "笔记本的安装格指向一个不发布任何内容的仓库。发布自己的副本时，只需改 _config.yml 的 "
            "repository.url（见 README 的“发布你的副本”）。\n", PLACEHOLDER_REPO)


def _chapter_links(app, pagename, templatename, context, doctree):
    """Put "下载 .ipynb" and "在 Colab 中打开" links at the top of every chapter page."""
    if app.builder.format != "html" or not CHAPTER.match(pagename) or "body" not in context:
        return
    rel = write_notebook(app, pagename)
    links = [f'<a href="{context["pathto"](rel, 1)}" download>下载 .ipynb</a>']
    colab = colab_url(app, rel)
    if colab:
        links.append(f'<a href="{colab}">在 Colab 中打开</a>')
    context["body"] = ('<p class="book-nb-links">本章笔记本：' + " · ".join(links) + "</p>\n"
                       + context["body"])


def site_url(repo: str) -> str:
    """Where GitHub Pages serves the gh-pages branch of ``repo``: ``https://OWNER.github.io/NAME/``."""
    m = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repo)
    if not m:
        raise ValueError(f"repository.url 应为 https://github.com/OWNER/NAME，收到 {repo!r}")
    return f"https://{m.group(1).lower()}.github.io/{m.group(2)}/"


def _substitutions(app, config) -> None:
    """Make the repository URL usable in the prose as ``{{ repo_url }}`` (one place holds it), and
    derive the site's address from it unless ``html.baseurl`` says otherwise."""
    subs = dict(getattr(config, "myst_substitutions", {}) or {})
    subs.setdefault("repo_url", repo_url(config))
    config.myst_substitutions = subs
    if not config.html_baseurl and repo_url(config).startswith("https://github.com/"):
        config.html_baseurl = site_url(repo_url(config))


def setup(app):
    app.connect("config-inited", _substitutions)
    app.connect("builder-inited", _say_placeholder)
    app.connect("html-page-context", _chapter_links)
    app.connect("html-page-context", _download_notebook_button, priority=502)  # after the theme's
    return {"version": "0.2", "parallel_read_safe": True, "parallel_write_safe": True}
