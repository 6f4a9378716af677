// The live chat panel on a chat inquiry's page (#16): the agent's socket /ws/chat/agent/<id>/, using the conversation
// view of livechat.js (window.LiveChat, loaded first by this file's template). Texts are inserted as text only.
(function () {
  "use strict";
  function start() {
    var root = document.querySelector("[data-chat-agent][data-socket]");
    if (!root || !window.WebSocket || !window.LiveChat || root.getAttribute("data-started")) return;
    root.setAttribute("data-started", "1");
    var chat = new window.LiveChat(root, "agent");
    var rating = root.querySelector("#chat-rating");
    chat.on("state", function (event) {
      var text = root.getAttribute("data-label-" + event.state) || event.state;
      chat.stateBox.textContent = text.replace("%(agent)s", event.agent || "");
      root.setAttribute("data-state", event.state);
      chat.setLive(event.state === "waiting" || event.state === "active");
      if (event.rating && rating) {
        rating.textContent = "★".repeat(event.rating) + " " + root.getAttribute("data-label-rating").replace("%(score)s", event.rating);
      }
    });
    chat.bindForm();
    chat.connect();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
