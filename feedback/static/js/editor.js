// Progressive enhancement for the questionnaire editor (templates/designer/partials/editor.html).
// Without JavaScript everything still works: the menus are <details>, moving is a POST form and
// the question form is its own page. With it:
// - one menu is open at a time; Escape or a click elsewhere closes it;
// - a page's questions can be dragged into a new order, which is posted to the page's reorder
//   address as an ordinary form (the menu's move up/down buttons are the keyboard way);
// - "Edit" and "Add a question" open the question form in a <dialog> (adding first asks for the
//   type there); it is sent to the same address as the page and shows its errors in the dialog,
//   or goes back to the editor when saved.
(function () {
  "use strict";
  var editor = document.querySelector("[data-editor]");
  if (!editor) { return; }

  // --- menus ---------------------------------------------------------------------------------
  var menus = Array.prototype.slice.call(editor.querySelectorAll("details[data-menu]"));
  function closeMenus(except) {
    menus.forEach(function (menu) {
      if (menu !== except && menu.open) { menu.open = false; }
    });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (menu.open) { closeMenus(menu); }
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        event.preventDefault();
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("details[data-menu]");
    closeMenus(inside);
  });

  // --- drag and drop -------------------------------------------------------------------------
  function csrfToken() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }
  function order(list) {
    return Array.prototype.map.call(list.querySelectorAll(":scope > li"), function (li) {
      return li.getAttribute("data-id");
    });
  }
  function post(address, fields) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = address;
    form.hidden = true;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }
  editor.querySelectorAll("ol[data-reorder]").forEach(function (list) {
    var dragged = null;
    var before = null;
    list.querySelectorAll(":scope > li").forEach(function (row) {
      row.draggable = true;
      var handle = row.querySelector(".editor-row__handle");
      if (handle) { handle.hidden = false; }
    });
    list.addEventListener("dragstart", function (event) {
      var row = event.target.closest && event.target.closest("li");
      if (!row || row.parentNode !== list) { return; }
      dragged = row;
      before = order(list).join(",");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.getAttribute("data-id"));
      row.classList.add("is-dragging");
      closeMenus(null);
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      var over = event.target.closest && event.target.closest("li");
      if (!over || over === dragged || over.parentNode !== list) { return; }
      var box = over.getBoundingClientRect();
      if (event.clientY > box.top + box.height / 2) {
        over.after(dragged);
      } else {
        over.before(dragged);
      }
    });
    list.addEventListener("drop", function (event) {
      if (dragged) { event.preventDefault(); }
    });
    list.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("is-dragging");
      dragged = null;
      var now = order(list).join(",");
      if (now !== before) {
        list.setAttribute("aria-busy", "true");
        post(list.getAttribute("data-reorder"), { csrf_token: csrfToken(), order: now });
      }
    });
  });

  // --- the question form in a dialog -------------------------------------------------------------
  var dialog = document.getElementById("question-dialog");
  if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) { return; }
  var body = dialog.querySelector("[data-dialog-body]");
  var title = dialog.querySelector("#question-dialog-title");
  var opener = null;

  function say(text) {
    body.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    body.appendChild(p);
  }
  function show(html, address) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var form = doc.querySelector("main form.form");
    if (!form) { return false; }
    var heading = doc.querySelector("main h1");
    if (heading) { title.textContent = heading.textContent; }
    body.textContent = "";
    var lead = doc.querySelector("main .lead");
    var summary = doc.querySelector("main .error-summary");
    [lead, summary, form].forEach(function (node) {
      if (node) { body.appendChild(document.importNode(node, true)); }
    });
    var shown = body.querySelector("form");
    var asks = (shown.getAttribute("method") || "get").toLowerCase() === "get";
    shown.action = address;
    shown.addEventListener("submit", function (event) {
      event.preventDefault();
      if (asks) {
        // The type choice: its answer is the address of the form for that type.
        load(address.split("?")[0] + "?" + new URLSearchParams(new FormData(shown)).toString());
      } else {
        send(shown, address);
      }
    });
    var errors = body.querySelector(".error-summary");
    if (errors) {
      errors.setAttribute("tabindex", "-1");
      errors.focus();
    } else {
      var first = shown.querySelector("textarea, input:not([type=hidden]), select");
      (first || title).focus();
    }
    return true;
  }
  function send(form, address) {
    var data = new FormData(form);
    form.setAttribute("aria-busy", "true");
    // Not following the redirect keeps its confirmation for the editor's next load.
    fetch(address, { method: "POST", body: data, credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
          var row = opener && opener.closest("li[id]");
          if (row) { window.location.hash = row.id; }
          window.location.reload();
          return null;
        }
        return response.text().then(function (html) {
          if (!show(html, address)) { window.location.assign(address); }
        });
      })
      .catch(function () { form.submit(); });
  }
  function load(address) {
    say(dialog.getAttribute("data-loading"));
    fetch(address, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        if (!show(html, address)) { throw new Error("no form"); }
      })
      .catch(function () { window.location.assign(address); });
  }
  function open(link) {
    var menu = link.closest("details[data-menu]");
    opener = menu ? menu.querySelector("summary") : link;
    if (menu) { menu.open = false; }
    say(dialog.getAttribute("data-loading"));
    dialog.showModal();
    title.focus();
    load(link.getAttribute("href"));
  }
  editor.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-dialog]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    open(link);
  });
  dialog.querySelector("[data-dialog-close]").addEventListener("click", function () {
    dialog.close();
  });
  dialog.addEventListener("close", function () {
    body.textContent = "";
    if (opener) { opener.focus(); }
  });
})();
