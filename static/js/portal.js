// Portal behaviour without inline scripts (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // Selects marked js-autosubmit submit their form on change (language switcher, filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("js-autosubmit") && el.form) { el.form.submit(); }
  });
  // Buttons and forms marked data-confirm ask before anything irreversible.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm") || (event.submitter && event.submitter.getAttribute("data-confirm"));
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
  // Live countdowns: <span class="countdown" data-due="ISO-8601"> shows time left, coloured and labelled.
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      if (el.dataset.done === "1") { return; }
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      var abs = Math.abs(left), h = Math.floor(abs / 3600), m = Math.floor((abs % 3600) / 60), s = abs % 60;
      var text = h > 0 ? h + "h " + (m < 10 ? "0" : "") + m + "m" : m + ":" + (s < 10 ? "0" : "") + s;
      var state = left < 0 ? "red" : (left < 300 ? "amber" : "green");
      var labels = { red: el.dataset.labelRed || "Breached", amber: el.dataset.labelAmber || "Due soon", green: el.dataset.labelGreen || "On time" };
      el.textContent = labels[state] + " " + (left < 0 ? "+" : "") + text;
      el.className = "countdown badge " + (state === "red" ? "text-bg-danger" : state === "amber" ? "text-bg-warning" : "text-bg-success");
      el.dataset.state = state;
    });
  }
  tick();
  window.setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();
