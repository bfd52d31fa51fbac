// ecomai chat widget loader: a store pastes
//   <script src="https://<ecomai>/static/support/widget.js" data-ecomai-widget="<key>" defer></script>
// and this adds a chat button that opens the store's chat page (served by ecomai) in an iframe.
// Only the sites the store allowed may frame that page (its Content-Security-Policy says so).
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-ecomai-widget]");
  if (!script) { return; }
  var key = script.getAttribute("data-ecomai-widget");
  var base = new URL(script.src, window.location.href).origin;
  var lang = script.getAttribute("data-lang") || document.documentElement.lang || "";

  var button = document.createElement("button");
  button.type = "button";
  button.id = "ecomai-chat-button";
  button.textContent = script.getAttribute("data-label") || "Chat / 咨询";
  button.setAttribute("aria-expanded", "false");
  var s = button.style;
  s.position = "fixed"; s.right = "20px"; s.bottom = "20px"; s.zIndex = "2147483000";
  s.padding = "12px 18px"; s.borderRadius = "24px"; s.border = "0"; s.cursor = "pointer";
  s.background = "#1f6feb"; s.color = "#fff"; s.font = "15px system-ui, sans-serif";
  s.boxShadow = "0 2px 10px rgba(0,0,0,.25)";

  var frame = document.createElement("iframe");
  frame.id = "ecomai-chat-frame";
  frame.title = "Chat";
  frame.src = base + "/support/w/" + encodeURIComponent(key) + "/" + (lang ? "?lang=" + encodeURIComponent(lang) : "");
  var f = frame.style;
  f.position = "fixed"; f.right = "20px"; f.bottom = "76px"; f.zIndex = "2147483000";
  f.width = "370px"; f.height = "540px"; f.maxWidth = "calc(100vw - 40px)"; f.maxHeight = "calc(100vh - 100px)";
  f.border = "1px solid #d0d7de"; f.borderRadius = "12px"; f.background = "#fff";
  f.boxShadow = "0 4px 24px rgba(0,0,0,.2)"; f.display = "none";

  button.addEventListener("click", function () {
    var open = f.display === "none";
    f.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  function mount() {
    document.body.appendChild(frame);
    document.body.appendChild(button);
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
