// 《大模型创业：可运行的技术读本》的界面脚本。
// 1. 把由 JavaScript 写出的界面文字换成简体中文（sphinx-togglebutton 的按钮说明）。
// 2. 内容比框宽、要横向滚动的公式、代码与表格：加上 book-scrolls 类，并按滚动位置在还有内容的
//    一侧渐隐（book.css），让读者看出这里可以滑动；没有被截掉、也看不到的部分。
// 3. 手机上比屏幕宽的图：点一下在新页面里打开原图，可以放大看清图中文字（book.css 让它们按可读的
//    宽度横向滚动）。
// 4. 搜索结果的摘要只取正文：不含侧栏的“目录”、页眉与按钮文字，公式写成可读的文字而不是 TeX 源码。
var BOOK_TEX = {"\\alpha": "α", "\\beta": "β", "\\gamma": "γ", "\\delta": "δ", "\\epsilon": "ε",
  "\\varepsilon": "ε", "\\eta": "η", "\\theta": "θ", "\\lambda": "λ", "\\mu": "μ", "\\sigma": "σ",
  "\\pi": "π", "\\rho": "ρ", "\\tau": "τ", "\\phi": "φ", "\\omega": "ω", "\\sum": "∑", "\\prod": "∏",
  "\\cdot": "·", "\\times": "×", "\\approx": "≈", "\\neq": "≠", "\\ne": "≠", "\\le": "≤", "\\leq": "≤",
  "\\ge": "≥", "\\geq": "≥", "\\infty": "∞", "\\partial": "∂", "\\nabla": "∇", "\\in": "∈",
  "\\to": "→", "\\pm": "±", "\\log": "log", "\\exp": "exp", "\\max": "max", "\\min": "min",
  "\\sqrt": "√", "\\hat": "", "\\bar": "", "\\tilde": ""};
function bookTexToText(tex) {
  var t = tex.replace(/\\\(|\\\)|\\\[|\\\]|\$\$/g, " ");
  t = t.replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)");
  t = t.replace(/\\(left|right|big|Big|bigg|Bigg|mathrm|mathbf|boldsymbol|operatorname|text|mathcal|displaystyle|quad|qquad|,|;|!)/g, " ");
  t = t.replace(/\\[a-zA-Z]+/g, function (m) { return BOOK_TEX[m] !== undefined ? BOOK_TEX[m] : ""; });
  return t.replace(/[{}]/g, "").replace(/\s+/g, " ").trim();
}
function bookSearchText(htmlString, anchor) {
  var doc = new DOMParser().parseFromString(htmlString, "text/html");
  doc.querySelectorAll(".headerlink, script, style, nav, .bd-sidebar-secondary, .bd-sidebar-primary, " +
                       ".header-article, .prev-next-area, .bd-footer-article, .book-nb-links, button")
    .forEach(function (el) { el.remove(); });
  doc.querySelectorAll("span.math, div.math").forEach(function (el) {
    el.replaceWith(doc.createTextNode(" " + bookTexToText(el.textContent) + " "));
  });
  // blocks end with a space, so that a term and its definition do not run together
  doc.querySelectorAll("dt, dd, p, li, h1, h2, h3, h4, h5, td, th, figcaption")
    .forEach(function (el) { el.append(" "); });
  var main = doc.querySelector("article.bd-article") || doc.querySelector('[role="main"]');
  if (!main) return "";
  if (anchor) {
    var part = main.querySelector(anchor);
    if (part) return part.textContent.replace(/\s+/g, " ");
  }
  return main.textContent.replace(/\s+/g, " ");
}
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Search !== "undefined" && Search.htmlToText) { Search.htmlToText = bookSearchText; }
  function fixLabels() {
    document.querySelectorAll('[aria-label="Toggle hidden content"]').forEach(function (el) {
      el.setAttribute("aria-label", "展开或收起");
      el.setAttribute("title", "展开或收起");
    });
  }
  fixLabels();
  setTimeout(fixLabels, 500);

  var SCROLLERS = "span.math, div.math, div.math mjx-container, mjx-container[display=\"true\"], " +
                  "div.highlight pre, div.cell_output pre, .bd-article table, a.book-figure-open";
  function edges(el) {
    var more = el.scrollWidth > el.clientWidth + 1;
    el.classList.toggle("book-scrolls", more);
    el.classList.toggle("book-more-left", more && el.scrollLeft > 1);
    el.classList.toggle("book-more-right", more && el.scrollLeft + el.clientWidth < el.scrollWidth - 1);
  }
  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      edges(el);
      if (!el.dataset.bookScroll) {
        el.dataset.bookScroll = "1";
        el.addEventListener("scroll", function () { edges(el); }, {passive: true});
      }
    });
  }
  function wrapFigures() {
    if (document.getElementById("book-print-toc")) return;  // print.html: no links to image files on paper
    document.querySelectorAll(".bd-article .cell_output img[src$='.svg'], .bd-article figure img[src$='.svg']")
      .forEach(function (img) {
        if (img.closest("a")) return;
        var a = document.createElement("a");
        a.href = img.getAttribute("src");
        a.className = "book-figure-open";
        a.title = "在新页面中打开原图（可放大）";
        a.target = "_blank";
        img.parentNode.insertBefore(a, img);
        a.appendChild(img);
        // the box scrolls only once the picture has its size: mark it then
        if (img.complete) { edges(a); } else { img.addEventListener("load", function () { edges(a); }); }
        if (!a.dataset.bookScroll) {
          a.dataset.bookScroll = "1";
          a.addEventListener("scroll", function () { edges(a); }, {passive: true});
        }
      });
  }
  wrapFigures();
  markScrollers();
  window.addEventListener("resize", markScrollers);
  window.addEventListener("load", markScrollers);
  // MathJax is loaded after this script: wait for its start-up promise (at most 20 s)
  var tries = 0;
  (function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(function () { markScrollers(); setTimeout(markScrollers, 300); });
    } else if (tries++ < 40) {
      setTimeout(whenTypeset, 500);
    }
  })();
});
