// Keeps the fieldwork count fresh: every 30 seconds the page is fetched again and the table
// replaced. Without JavaScript, the "Update" link does the same.
(function () {
  "use strict";
  var box = document.getElementById("counts");
  if (!box || !window.fetch || !window.DOMParser) { return; }
  var url = box.getAttribute("data-refresh");
  window.setInterval(function () {
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("counts");
      if (fresh) { box.innerHTML = fresh.innerHTML; }
    }).catch(function () {});
  }, 30000);
})();
