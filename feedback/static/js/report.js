// The printable report (templates/results/report.html): shows a Print button that opens the
// browser's print dialog. Without JavaScript the button stays hidden and the hint beside it
// says how to print from the browser's menu.
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button || typeof window.print !== "function") {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();
