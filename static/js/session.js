// Idle sign-out warning (the server signs the user out after SESSION_IDLE_SECONDS without activity).
// <body data-session-idle="1800" data-session-warning="120" data-session-keepalive="/security/session/keepalive/">
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.sessionIdle || "0", 10);
  if (!idle) { return; }
  var warnAt = parseInt(body.dataset.sessionWarning || "120", 10);
  var keepaliveUrl = body.dataset.sessionKeepalive;
  var box = document.getElementById("session-warning");
  var leftEl = box ? box.querySelector(".js-session-left") : null;
  var STORAGE_KEY = "portal-last-activity";
  var last = Date.now();

  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }
  function markActive() {
    last = Date.now();
    try { window.localStorage.setItem(STORAGE_KEY, String(last)); } catch (e) { /* private mode */ }
    if (box) { box.classList.add("d-none"); }
  }
  // Another tab of the portal was used: that activity counts for this tab too (same session).
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY && event.newValue) { last = Math.max(last, parseInt(event.newValue, 10) || 0); }
  });
  // htmx requests the page makes by itself (polling, load triggers) do not count as activity on the
  // server: mark them so. Requests from a click or a form submit do count.
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (!trigger || trigger.type === "load" || trigger.type === "revealed" || trigger.type === "intersect") {
      event.detail.headers["X-Portal-Background"] = "1";
    } else {
      markActive();
    }
  });
  function stay() {
    var request = new XMLHttpRequest();
    request.open("POST", keepaliveUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.onload = function () {
      if (request.status === 200) { markActive(); } else { window.location.reload(); }
    };
    request.send();
  }
  if (box) {
    var button = box.querySelector(".js-session-stay");
    if (button) { button.addEventListener("click", stay); }
  }
  function tick() {
    var left = Math.round(idle - (Date.now() - last) / 1000);
    if (left < -5) {
      // The server has ended the session: reloading shows the sign-in page with the reason.
      window.location.href = window.location.href;
      return;
    }
    if (box && left <= warnAt) {
      var m = Math.max(0, Math.floor(left / 60)), s = Math.max(0, left % 60);
      if (leftEl) { leftEl.textContent = m + ":" + (s < 10 ? "0" : "") + s; }
      box.classList.remove("d-none");
    }
  }
  markActive();
  window.setInterval(tick, 1000);
})();
