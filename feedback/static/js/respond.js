// Progressive enhancement for questionnaires: a question that depends on an answer on the
// same page is hidden until that answer is chosen. Without JavaScript it stays visible with
// a hint, and the server ignores answers to questions whose condition is not met.
(function () {
  "use strict";
  var blocks = document.querySelectorAll("[data-show-if]");
  if (!blocks.length) { return; }
  function update() {
    blocks.forEach(function (block) {
      var name = block.getAttribute("data-show-if");
      var value = block.getAttribute("data-show-value");
      var inputs = document.getElementsByName(name);
      var met = Array.prototype.some.call(inputs, function (input) {
        return input.checked && input.value === value;
      });
      block.hidden = !met;
      block.querySelectorAll("input, textarea, select").forEach(function (input) {
        input.disabled = !met;
      });
    });
  }
  document.addEventListener("change", update);
  update();
})();
