// The customer's chat window (#16): one WebSocket to /ws/chat/<token>/ (protocol in livechat/consumers.py).
// Every text is inserted with textContent (never as HTML). Labels come from data-label-* attributes (translated by the
// server). Also defines window.LiveChat, the conversation view the agent's panel (livechat-agent.js) uses too.
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  function LiveChat(root, side) {
    this.root = root;
    this.side = side; // "customer" | "agent"
    this.list = root.querySelector("#chat-messages");
    this.typing = root.querySelector("#chat-typing");
    this.error = root.querySelector("#chat-error");
    this.stateBox = root.querySelector("#chat-state");
    this.form = root.querySelector("#chat-form");
    this.text = root.querySelector("#chat-text");
    this.pending = {};
    this.pause = 1000;
    this.closed = false;
    this.typingTimer = null;
    this.lastTyping = 0;
    this.handlers = {};
  }

  LiveChat.prototype.label = function (name) { return this.root.getAttribute("data-label-" + name) || ""; };
  LiveChat.prototype.on = function (type, fn) { this.handlers[type] = fn; };

  LiveChat.prototype.connect = function () {
    var self = this;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + this.root.getAttribute("data-socket");
    var socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("open", function () {
      self.pause = 1000;
      self.root.setAttribute("data-connected", "1");
      Object.keys(self.pending).forEach(function (id) { self.send(self.pending[id]); }); // resend: stored once
    });
    socket.addEventListener("message", function (frame) {
      var event;
      try { event = JSON.parse(frame.data); } catch (e) { return; }
      if (event && event.type) self.handle(event);
    });
    socket.addEventListener("close", function (closed) {
      self.root.setAttribute("data-connected", "0");
      if (self.closed || (closed.code >= 4400 && closed.code < 4500)) return; // refused: do not retry
      self.showError(self.label("offline"));
      setTimeout(function () { self.connect(); }, self.pause);
      self.pause = Math.min(self.pause * 2, 15000);
    });
  };

  LiveChat.prototype.send = function (payload) {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(payload));
  };

  LiveChat.prototype.showError = function (text) {
    if (!this.error) return;
    this.error.textContent = text || "";
    this.error.classList.toggle("d-none", !text);
  };

  LiveChat.prototype.handle = function (event) {
    if (event.type === "message") this.addMessage(event);
    else if (event.type === "delivered") this.markDelivered(event.id);
    else if (event.type === "typing") this.showTyping();
    else if (event.type === "error") this.showError(this.root.getAttribute("data-error-" + event.code) || this.root.getAttribute("data-error-default"));
    if (this.handlers[event.type]) this.handlers[event.type](event);
  };

  LiveChat.prototype.addMessage = function (event) {
    var item = this.list.querySelector('[data-id="' + Number(event.id) + '"]');
    if (event.client_id) {
      var mine = this.list.querySelector('[data-client-id="' + CSS.escape(event.client_id) + '"]');
      if (mine) item = mine;
      delete this.pending[event.client_id];
    }
    if (!item) {
      item = document.createElement("li");
      var own = event.author === this.side;
      item.className = "mb-2 d-flex flex-column " + (own ? "align-items-end" : "align-items-start");
      var head = document.createElement("div");
      head.className = "small text-body-secondary";
      var bubble = document.createElement("div");
      bubble.className = "rounded px-2 py-1 text-break livechat-text " + (own ? "bg-primary-subtle" : "bg-body-tertiary border");
      var status = document.createElement("span");
      status.className = "small text-body-secondary livechat-status";
      item.appendChild(head);
      item.appendChild(bubble);
      item.appendChild(status);
      this.list.appendChild(item);
    }
    item.setAttribute("data-author", event.author);
    if (event.id) item.setAttribute("data-id", String(Number(event.id)));
    if (event.client_id) item.setAttribute("data-client-id", event.client_id);
    var when = event.at ? new Date(event.at) : new Date();
    item.children[0].textContent = (event.name || "") + " · " + when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    item.children[1].textContent = event.text; // text, never HTML
    item.children[1].style.whiteSpace = "pre-wrap";
    if (event.author === this.side && !item.getAttribute("data-delivered")) {
      item.children[2].textContent = event.id ? "" : this.label("sending");
    }
    this.typing && this.typing.classList.add("d-none");
    this.list.scrollTop = this.list.scrollHeight;
  };

  LiveChat.prototype.markDelivered = function (id) {
    var item = this.list.querySelector('[data-id="' + Number(id) + '"]');
    if (!item) return;
    item.setAttribute("data-delivered", "1");
    item.children[2].textContent = "✓ " + this.label("delivered");
  };

  LiveChat.prototype.showTyping = function () {
    var self = this;
    if (!this.typing) return;
    this.typing.textContent = this.label("typing");
    this.typing.classList.remove("d-none");
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.typing.classList.add("d-none"); }, 3000);
  };

  LiveChat.prototype.bindForm = function () {
    var self = this;
    if (!this.form) return;
    this.form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = self.text.value.trim();
      if (!text) return;
      var max = Number(self.root.getAttribute("data-max") || 1000);
      if (text.length > max) { self.showError(self.root.getAttribute("data-error-too_long")); return; }
      var payload = { type: "message", client_id: uuid(), text: text };
      self.pending[payload.client_id] = payload;
      self.addMessage({ type: "message", id: 0, client_id: payload.client_id, author: self.side, name: self.label("you"), text: text });
      self.send(payload);
      self.text.value = "";
      self.showError("");
      self.text.focus();
    });
    this.text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); self.form.requestSubmit(); return; }
      var now = Date.now();
      if (now - self.lastTyping > 1500) { self.lastTyping = now; self.send({ type: "typing" }); }
    });
    var end = this.root.querySelector("#chat-end");
    if (end) end.addEventListener("click", function () { self.send({ type: "end" }); });
  };

  LiveChat.prototype.setLive = function (live) {
    if (!this.form) return;
    this.form.querySelectorAll("textarea, button, select").forEach(function (el) { el.disabled = !live; });
  };

  window.LiveChat = LiveChat;

  // ---- the customer's window ----
  var root = document.querySelector("[data-testid=chat-window][data-socket]");
  if (!root || !window.WebSocket) return;
  var chat = new LiveChat(root, "customer");
  var rate = root.querySelector("#chat-rate");
  chat.on("state", function (event) {
    var text = chat.label(event.state);
    if (event.state === "active") text = text.replace("%(agent)s", event.agent || "");
    chat.stateBox.textContent = text;
    root.setAttribute("data-state", event.state);
    var over = event.state === "ended" || event.state === "abandoned";
    chat.setLive(!over);
    var end = root.querySelector("#chat-end");
    if (end) end.classList.toggle("d-none", over);
    if (rate) {
      rate.classList.toggle("d-none", event.state !== "ended");
      if (event.rating) {
        rate.querySelectorAll("[data-score]").forEach(function (b) {
          b.disabled = true;
          b.classList.toggle("active", Number(b.getAttribute("data-score")) <= event.rating);
        });
        root.querySelector("#chat-rated").classList.remove("d-none");
      }
    }
  });
  if (rate) {
    rate.addEventListener("click", function (e) {
      var button = e.target.closest("[data-score]");
      if (button) chat.send({ type: "rate", score: Number(button.getAttribute("data-score")) });
    });
  }
  chat.bindForm();
  chat.connect();
})();
