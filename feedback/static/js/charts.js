// Draws the charts of macros/charts.html: each [data-figure] placeholder names a
// <script type="application/json"> that holds its plotly figure (data, layout and config).
// plotly.js comes from the app itself (/vendor/plotly-<version>.min.js). If it is missing or
// fails, the placeholder stays hidden: the table under it has the same numbers.
(function () {
  "use strict";

  function hide(element) {
    element.hidden = true;
    try {
      window.Plotly.purge(element);
    } catch (ignore) {
      // nothing was drawn
    }
  }

  // Below this width a figure's "phone" layout goes on top of its layout (results.charts.base).
  var PHONE_WIDTH = 600;

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function layoutFor(figure, width) {
    var layout = figure.layout || {};
    var phone = figure.phone;
    var merged = {};
    var key;
    if (!isObject(phone) || width >= PHONE_WIDTH) {
      return layout;
    }
    for (key in layout) {
      if (Object.prototype.hasOwnProperty.call(layout, key)) {
        merged[key] = layout[key];
      }
    }
    for (key in phone) {
      if (Object.prototype.hasOwnProperty.call(phone, key)) {
        merged[key] = isObject(phone[key]) && isObject(layout[key])
          ? Object.assign({}, layout[key], phone[key])
          : phone[key];
      }
    }
    return merged;
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-figure"));
    var figure;
    if (!source || !window.Plotly || typeof window.Plotly.newPlot !== "function") {
      return;
    }
    try {
      figure = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    element.hidden = false; // plotly.js measures the element, so it must be shown first
    try {
      var layout = layoutFor(figure, element.clientWidth);
      var drawn = window.Plotly.newPlot(element, figure.data, layout, figure.config);
      if (drawn && typeof drawn.then === "function") {
        drawn.then(null, function () {
          hide(element);
        });
      }
    } catch (error) {
      hide(element);
    }
  }

  function start() {
    var elements = document.querySelectorAll("[data-figure]");
    for (var i = 0; i < elements.length; i += 1) {
      draw(elements[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
