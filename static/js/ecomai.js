// Dashboard behaviour for every page. A file, not inline handlers: the Content-Security-Policy
// allows scripts from this site only.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
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
