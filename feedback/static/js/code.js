// A card's QR code opens /kode#ABCD-2345: the part after # never reaches the server (so no
// log holds it); this fills it into the field. Without JavaScript the person types the code.
(function () {
  "use strict";
  var field = document.getElementById("kode");
  var code = decodeURIComponent(window.location.hash.replace(/^#/, ""));
  if (field && !field.value && /^[A-Za-z0-9-]{8,9}$/.test(code)) {
    field.value = code.toUpperCase();
    history.replaceState(null, "", window.location.pathname);
  }
})();
