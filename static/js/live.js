// Live events for staff (#16): one WebSocket per page to /ws/staff/ (aftersales.consumers.StaffConsumer).
// Each event {type, ...} is raised on document as a DOM event "live:<type>" (detail = the event), so a page can react
// (the queue refreshes, the inquiry page appends a chat line). An event with "html" (rendered and escaped by a Django
// template on the server) is also shown as a toast in #live-toasts. The socket reconnects with a growing pause.
(function () {
  "use strict";
  var box = document.getElementById("live-toasts");
  if (!box || !window.WebSocket) return;
  var path = box.getAttribute("data-live-url") || "/ws/staff/";
  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  var pause = 1000;

  function toast(event) {
    var wrap = document.createElement("div");
    wrap.className = "toast show shadow mb-2";
    wrap.setAttribute("role", event.level === "danger" ? "alert" : "status");
    wrap.setAttribute("data-testid", "live-toast-" + event.type);
    wrap.innerHTML = event.html; // server-rendered, escaped by the template
    var close = wrap.querySelector("[data-live-dismiss]");
    if (close) close.addEventListener("click", function () { wrap.remove(); });
    box.appendChild(wrap);
    if (!event.sticky) setTimeout(function () { wrap.remove(); }, 30000);
  }

  function connect() {
    var socket = new WebSocket(url);
    socket.addEventListener("open", function () {
      pause = 1000;
      document.body.setAttribute("data-live", "connected");
      document.dispatchEvent(new CustomEvent("live:connected"));
    });
    socket.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (!event || !event.type) return;
      if (event.html) toast(event);
      document.dispatchEvent(new CustomEvent("live:" + event.type, { detail: event }));
    });
    socket.addEventListener("close", function (closed) {
      document.body.setAttribute("data-live", "closed");
      if (closed.code === 4401 || closed.code === 4403) return; // not signed in / not staff: do not retry
      setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30000);
    });
  }
  // A list marked data-live-refresh="<event type>" (the inquiry queue: "queue") reloads its htmx content at once when
  // that event arrives, besides its own polling: a new chat shows in the open queue without a page reload.
  function refreshOn(type) {
    document.addEventListener("live:" + type, function () {
      if (!window.htmx) return;
      document.querySelectorAll('[data-live-refresh="' + type + '"][hx-get]').forEach(function (el) {
        window.htmx.ajax("GET", el.getAttribute("hx-get"), { target: el, swap: el.getAttribute("hx-swap") || "innerHTML" });
      });
    });
  }
  refreshOn("queue");
  connect();
})();
