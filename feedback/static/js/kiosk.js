// Kiosk mode on a shared tablet. After the idle time without a touch or key press the screen
// is cleared for the next person: the questionnaire's one-time token is burnt on the server
// (the "Stop and clear the screen" form), so Back, history or a reload show nothing of it.
// A warning comes first, so a slow reader can ask for more time (WCAG 2.2.1).
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-kiosk-idle"), 10) * 1000;
  var start = body.getAttribute("data-kiosk-start");
  if (!idle || !start) { return; }
  var reset = document.getElementById("kiosk-reset");
  var warning = document.getElementById("kiosk-warning");
  var stay = document.getElementById("kiosk-stay");
  var warnAfter = Math.max(idle - 20000, idle / 2);
  var timers = [];

  function clearScreen() {
    if (reset) { reset.submit(); } else { window.location.replace(start); }
  }
  function schedule() {
    timers.forEach(window.clearTimeout);
    if (warning) { warning.hidden = true; }
    timers = [window.setTimeout(clearScreen, idle)];
    if (warning) {
      timers.push(window.setTimeout(function () {
        warning.hidden = false;
        if (stay) { stay.focus(); }
      }, warnAfter));
    }
  }
  ["input", "change", "keydown", "pointerdown", "touchstart", "scroll"].forEach(function (name) {
    document.addEventListener(name, schedule, { passive: true });
  });
  if (stay) { stay.addEventListener("click", schedule); }
  // A page brought back from the browser's memory (Back) starts over instead.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.replace(start); }
  });
  schedule();
})();
