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
});
