/* Staff navigation on phones (base.html): below 48rem the menu button shows and hides the main
   menu. Without this script the button stays hidden and the menu open, so nothing is lost.
   A disclosure: Enter or Space toggles, Escape closes and returns focus to the button. */
(function () {
  "use strict";
  var button = document.querySelector(".menu-button");
  var menu = document.getElementById("main-menu");
  if (!button || !menu || !window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 47.99rem)");

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("main-nav--closed", !open);
  }
  function isOpen() { return button.getAttribute("aria-expanded") === "true"; }

  document.documentElement.classList.add("js-nav");
  setOpen(!narrow.matches);
  var follow = function () { setOpen(!narrow.matches); };
  if (narrow.addEventListener) { narrow.addEventListener("change", follow); } else { narrow.addListener(follow); }

  button.addEventListener("click", function () { setOpen(!isOpen()); });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !narrow.matches || !isOpen()) { return; }
    var focusInside = menu.contains(document.activeElement) || document.activeElement === button;
    setOpen(false);
    if (focusInside) { button.focus(); }
  });
})();
