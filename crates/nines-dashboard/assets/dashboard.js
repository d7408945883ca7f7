// nines dashboard: refreshes the page's content every 30 s from the same URL (so filter,
// sort, range and `at` are kept), and applies filter changes at once. The pages work
// without it. Served from this server only (CSP script-src 'self').
(function () {
  "use strict";
  var REFRESH_MS = 30000;

  function refresh() {
    if (document.hidden) { return; }
    var opened = Array.prototype.map.call(document.querySelectorAll("details[open] summary"),
      function (summary) { return summary.textContent; });
    fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        var next = fresh.getElementById("main");
        var current = document.getElementById("main");
        if (!next || !current) { return; }
        var active = document.activeElement;
        if (active && current.contains(active) && (active.tagName === "INPUT" || active.tagName === "SELECT")) {
          return; // someone is typing: try again next time
        }
        current.replaceWith(document.adoptNode(next));
        Array.prototype.forEach.call(document.querySelectorAll("details summary"), function (summary) {
          if (opened.indexOf(summary.textContent) >= 0) { summary.parentElement.open = true; }
        });
        var at = document.querySelector("header.top .at time");
        var stamp = next.getAttribute("data-at");
        if (at && stamp) { at.textContent = stamp; at.setAttribute("datetime", stamp); }
        wire();
        document.documentElement.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* keep the page as it is; the next tick tries again */ });
  }

  function wire() {
    var form = document.querySelector("form.filters[action='/']");
    if (!form || form.getAttribute("data-wired")) { return; }
    form.setAttribute("data-wired", "1");
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () { form.requestSubmit(); });
    });
    // Empty fields stay out of the URL, so a shared link says only what was chosen.
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) { if (String(value).trim() !== "") { params.append(key, value); } });
      var query = params.toString();
      window.location.assign("/" + (query ? "?" + query : ""));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire();
    window.setInterval(refresh, REFRESH_MS);
  });
})();
