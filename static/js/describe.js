// The product page's "Generate" form: posts the options and shows the draft as the model writes it
// (NDJSON events: {"delta"}, {"status"}, then {"version", "text"} or {"error"}). The page's messages
// come from data-* attributes of #describe-output, so they are translated like the rest of the page.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("describe-form");
  const output = document.getElementById("describe-output");
  if (!form || !output) return;
  const text = document.getElementById("describe-text");
  const status = document.getElementById("describe-status");
  const messages = output.dataset;

  function handle(event) {
    if (event.delta) text.textContent += event.delta;
    if (event.status) status.textContent = messages.scoring;
    if (event.error) status.textContent = messages.failed + " " + event.error;
    if (event.version) {
      text.textContent = event.text;
      status.textContent = messages.saved;
      window.location.reload();
    }
  }

  form.addEventListener("submit", async function (submitEvent) {
    submitEvent.preventDefault();
    text.textContent = "";
    status.textContent = messages.writing;
    const response = await fetch(form.action, {method: "POST", body: new FormData(form)});
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line) handle(JSON.parse(line));
      }
    }
  });
});
