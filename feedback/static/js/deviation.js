// Progressive enhancement for the deviation pages. Without JavaScript everything still works.
// - Forms marked data-once send only once: a double-click would otherwise show "already sent"
//   instead of the receipt code.
// - The receipt page gets "Copy the code" and "Print" buttons.
(function () {
  "use strict";
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sending") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sending", "true");
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
      });
    });
  });

  var actions = document.querySelector("[data-receipt-actions]");
  if (!actions) { return; }
  actions.hidden = false;
  var copy = actions.querySelector("[data-copy]");
  if (copy && navigator.clipboard) {
    copy.addEventListener("click", function () {
      var code = document.getElementById(copy.getAttribute("data-copy")).textContent.trim();
      navigator.clipboard.writeText(code).then(function () {
        var said = copy.getAttribute("data-copied");
        copy.textContent = said;
        var status = actions.querySelector("[data-copy-status]");
        if (status) { status.textContent = said; }
      });
    });
  } else if (copy) {
    copy.hidden = true;
  }
  var print = actions.querySelector("[data-print]");
  if (print) {
    print.addEventListener("click", function () { window.print(); });
  }
})();
