// Dashboard behaviour for every page. A file, not inline handlers: the Content-Security-Policy
// allows scripts from this site only.
"use strict";

// Toasts: the server's messages (rendered into #toasts) and any a page or an htmx response raises
// (an HX-Trigger header {"toast": {"message": "...", "level": "success"}}). Errors stay until closed.
function ecomaiToast(region, toast) {
  const close = document.createElement("button");
  close.type = "button";
  close.setAttribute("aria-label", region.dataset.closeLabel || "Close");
  close.textContent = "\u00d7";
  close.addEventListener("click", function () { toast.remove(); });
  toast.appendChild(close);
  if (!toast.classList.contains("error")) {
    window.setTimeout(function () {
      toast.classList.add("leaving");
      window.setTimeout(function () { toast.remove(); }, 400);
    }, 8000);
  }
}

window.ecomaiShowToast = function (message, level) {
  const region = document.getElementById("toasts");
  if (!region) return;
  const toast = document.createElement("div");
  toast.className = "toast " + (level || "info");
  const text = document.createElement("p");
  text.textContent = message;
  toast.appendChild(text);
  region.appendChild(toast);
  ecomaiToast(region, toast);
};

document.addEventListener("DOMContentLoaded", function () {
  const region = document.getElementById("toasts");
  if (region) region.querySelectorAll(".toast").forEach(function (toast) { ecomaiToast(region, toast); });
  document.body.addEventListener("toast", function (event) {
    if (event.detail && event.detail.message) window.ecomaiShowToast(event.detail.message, event.detail.level);
  });
  // A table wider than the screen scrolls inside its box (ecomai.css): it takes keyboard focus so
  // the arrow keys scroll it too.
  function focusableScrollers() {
    document.querySelectorAll("main table, .table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else if (box.getAttribute("tabindex") === "0") box.removeAttribute("tabindex");
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  document.body.addEventListener("htmx:afterSettle", focusableScrollers);
  // The phone navigation opens and closes behind the Menu button; Escape closes it.
  const toggle = document.querySelector(".nav-toggle");
  const sidebar = document.getElementById("sidebar");
  if (toggle && sidebar) {
    toggle.addEventListener("click", function () {
      const open = sidebar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
      if (open) sidebar.querySelector("a").focus();
    });
    sidebar.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && sidebar.classList.contains("open")) {
        sidebar.classList.remove("open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }
  // The store switcher opens the chosen store's overview.
  document.querySelectorAll("form.store-switcher select[name=store]").forEach(function (select) {
    select.addEventListener("change", function () {
      window.location = "/s/" + encodeURIComponent(select.value) + "/";
    });
  });
  // Selects that apply at once (the language).
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
  // Approving a draft with invented spans asks first; the server refuses it unconfirmed as well.
  document.querySelectorAll("form[data-invented]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      const button = event.submitter;
      if (!button || button.value !== "approve") return;
      const box = form.querySelector("input[name=confirm_invented]");
      const count = form.dataset.inventedCount;
      if (!box || box.checked || count === "0") return;
      if (window.confirm(form.dataset.invented)) {
        box.checked = true;
      } else {
        event.preventDefault();
      }
    });
  });
});
