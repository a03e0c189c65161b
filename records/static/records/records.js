// Record pages: add medication and lab-result rows, and the print button. Without JavaScript the
// buttons stay hidden and the page still works (one empty row of each; print from the browser).
(function () {
  "use strict";

  document.querySelectorAll("[data-rows]").forEach(function (fieldset) {
    var prefix = fieldset.getAttribute("data-rows");
    var total = fieldset.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var maximum = fieldset.querySelector('input[name="' + prefix + '-MAX_NUM_FORMS"]');
    var list = fieldset.querySelector("[data-rows-list]");
    var template = fieldset.querySelector("template[data-row-template]");
    var button = fieldset.querySelector("[data-add-row]");
    if (!total || !list || !template || !button) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (maximum && index >= parseInt(maximum.value, 10)) {
        button.disabled = true;
        return;
      }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var rows = list.querySelectorAll("[data-row]");
      var first = rows[rows.length - 1].querySelector("input, select, textarea");
      if (first) {
        first.focus();
      }
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
