// The online chat for the company's own website (#16). Include once on any page:
//   <script src="https://<portal host>/static/js/livechat-embed.js" defer></script>
// (optional: data-label="在线客服", the text of the button).
// It adds a floating button; pressing it opens the portal's chat page (/chat/) in a panel (an iframe) at the corner of
// the page, or in a new tab on a narrow phone screen. The portal must list the website in LIVECHAT_EMBED_ORIGINS
// (Content-Security-Policy frame-ancestors), and should be on the same site (e.g. kefu.example.com in
// www.example.com) so that the browser sends its cookies inside the frame.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__aftersalesChat) return;
  window.__aftersalesChat = true;
  var origin = new URL(script.src, location.href).origin;
  var chatUrl = origin + "/chat/";
  var label = script.getAttribute("data-label") || "在线客服";
  var panel = null;

  function css(el, rules) { Object.keys(rules).forEach(function (k) { el.style[k] = rules[k]; }); }

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("data-aftersales-chat", "button");
  css(button, {
    position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483000", padding: "10px 16px",
    border: "0", borderRadius: "22px", background: "#0d6efd", color: "#fff", font: "15px/1.2 sans-serif",
    boxShadow: "0 2px 8px rgba(0,0,0,.25)", cursor: "pointer"
  });

  function open() {
    if (window.innerWidth < 480) { window.open(chatUrl, "_blank", "noopener"); return; }
    if (!panel) {
      panel = document.createElement("iframe");
      panel.src = chatUrl;
      panel.title = label;
      panel.setAttribute("data-aftersales-chat", "panel");
      css(panel, {
        position: "fixed", right: "16px", bottom: "68px", width: "380px", height: "600px", maxHeight: "80vh",
        border: "1px solid #ccc", borderRadius: "8px", background: "#fff", zIndex: "2147483000",
        boxShadow: "0 4px 16px rgba(0,0,0,.25)"
      });
      document.body.appendChild(panel);
    } else {
      panel.style.display = panel.style.display === "none" ? "block" : "none";
    }
    button.setAttribute("aria-expanded", panel.style.display === "none" ? "false" : "true");
  }

  button.addEventListener("click", open);
  if (document.body) document.body.appendChild(button);
  else document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(button); });
})();
