// 把由 JavaScript 写出的界面文字换成简体中文（sphinx-togglebutton 的按钮说明）。
document.addEventListener("DOMContentLoaded", function () {
  function fix() {
    document.querySelectorAll('[aria-label="Toggle hidden content"]').forEach(function (el) {
      el.setAttribute("aria-label", "展开或收起");
      el.setAttribute("title", "展开或收起");
    });
  }
  fix();
  setTimeout(fix, 500);
});
