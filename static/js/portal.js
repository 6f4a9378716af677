// Portal behaviour without inline scripts (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  var body = document.body;
  // Selects marked js-autosubmit submit their form on change (language switcher, filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("js-autosubmit") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  // ---- feedback while waiting: a loading indicator, and submit buttons disabled until the answer comes ----
  var loading = document.getElementById("portal-loading");
  var pending = 0;
  function showLoading(delta) {
    pending = Math.max(0, pending + delta);
    if (loading) { loading.classList.toggle("d-none", pending === 0); }
  }
  // A download (export, PDF) keeps the page where it is: its buttons come back after this long.
  var REENABLE_AFTER_MS = 8000;
  function buttonsOf(form) {
    var inside = Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]"));
    var outside = form.id ? Array.prototype.slice.call(document.querySelectorAll('[form="' + form.id + '"][type=submit]')) : [];
    return inside.concat(outside);
  }
  function setBusy(form, busy) {
    if (!form || form.hasAttribute("data-no-disable")) { return; }
    buttonsOf(form).forEach(function (button) {
      if (busy) {
        if (!button.disabled) { button.disabled = true; button.dataset.portalDisabled = "1"; }
      } else if (button.dataset.portalDisabled === "1") {
        button.disabled = false;
        delete button.dataset.portalDisabled;
      }
    });
    if (busy) { form.setAttribute("aria-busy", "true"); } else { form.removeAttribute("aria-busy"); }
  }
  function releaseAll() {
    document.querySelectorAll("form[aria-busy]").forEach(function (form) { setBusy(form, false); });
    pending = 0;
    showLoading(0);
  }
  // Forms and buttons marked data-confirm ask before anything irreversible; then the form is marked busy.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm") || (event.submitter && event.submitter.getAttribute("data-confirm"));
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopImmediatePropagation(); return; }
    if (form.dataset.busy === "1") { event.preventDefault(); return; }  // a second click while the first is on its way
    // Disabled after the browser (or htmx) has read the form, so the clicked button's name and value are still sent.
    window.setTimeout(function () {
      if (event.defaultPrevented && !form.hasAttribute("hx-post") && !form.hasAttribute("hx-get")) { return; }
      form.dataset.busy = "1";
      setBusy(form, true);
      if (!form.hasAttribute("hx-post") && !form.hasAttribute("hx-get")) { showLoading(1); }
      window.setTimeout(function () { delete form.dataset.busy; setBusy(form, false); showLoading(-1); }, REENABLE_AFTER_MS);
    }, 0);
  }, true);
  // htmx: the indicator for requests someone asked for (not the queue's own polling), buttons back when answered.
  function asked(event) { return Boolean(event.detail && event.detail.requestConfig && event.detail.requestConfig.triggeringEvent); }
  document.addEventListener("htmx:beforeRequest", function (event) { if (asked(event)) { event.detail.elt.dataset.portalLoading = "1"; showLoading(1); } });
  function answered(event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.dataset.portalLoading === "1") { delete elt.dataset.portalLoading; showLoading(-1); }
    var form = elt && (elt.tagName === "FORM" ? elt : elt.closest && elt.closest("form"));
    if (form) { delete form.dataset.busy; setBusy(form, false); }
  }
  document.addEventListener("htmx:afterRequest", answered);
  document.addEventListener("htmx:responseError", answered);
  document.addEventListener("htmx:sendError", answered);
  // Back to a page from the browser's cache: nothing is on its way any more.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-busy]").forEach(function (form) { delete form.dataset.busy; });
      releaseAll();
    }
  });

  // ---- live countdowns: <span class="countdown" data-due="ISO-8601"> shows time left, coloured and labelled ----
  // The units come from the page (<body data-countdown-hm="{h}h {m}m" data-countdown-ms="{m}:{s}">, translated).
  var formatHM = body.dataset.countdownHm || "{h}h {m}m";
  var formatMS = body.dataset.countdownMs || "{m}:{s}";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      if (el.dataset.done === "1") { return; }
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      var abs = Math.abs(left), h = Math.floor(abs / 3600), m = Math.floor((abs % 3600) / 60), s = abs % 60;
      var text = h > 0 ? formatHM.replace("{h}", h).replace("{m}", pad(m)) : formatMS.replace("{m}", m).replace("{s}", pad(s));
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
