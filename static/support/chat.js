// The chat page inside the widget's iframe: start or resume a conversation, send messages and read the
// streamed answer (NDJSON), show cited sources as links, and poll for staff replies.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("chat");
  if (!root) { return; }
  var api = root.dataset.api;
  var sources = root.dataset.sources;
  var labels = document.getElementById("chat-labels").dataset;
  var list = document.getElementById("chat-messages");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var typing = document.getElementById("chat-typing");
  var status = document.getElementById("chat-status");
  var storageKey = "ecomai-chat-" + root.dataset.widgetKey;
  var token = null;
  var lastId = 0;
  var shown = {};
  var busy = false;

  try { token = window.localStorage.getItem(storageKey); } catch (error) { token = null; }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/x-ndjson, application/json"},
      body: JSON.stringify(body || {}),
      credentials: "omit"
    });
  }

  function start() {
    return post(api + "/conversations/", {site: document.referrer || ""}).then(function (response) {
      if (!response.ok) { throw new Error("start " + response.status); }
      return response.json();
    }).then(function (data) {
      token = data.token;
      try { window.localStorage.setItem(storageKey, token); } catch (error) { /* private mode */ }
      if (data.greeting) { note(data.greeting); }
    });
  }

  function note(text) {
    var item = document.createElement("li");
    item.className = "message notice";
    item.textContent = text;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function render(message) {
    if (shown[message.id]) { return; }
    shown[message.id] = true;
    lastId = Math.max(lastId, message.id);
    var item = document.createElement("li");
    item.className = "message " + message.role + (message.kind ? " kind-" + message.kind : "");
    item.dataset.message = message.id;
    var text = document.createElement("div");
    text.className = "message-text";
    text.textContent = message.text;
    item.appendChild(text);
    if (message.citations && message.citations.length) {
      var cited = document.createElement("div");
      cited.className = "citations";
      cited.appendChild(document.createTextNode(labels.sources + ": "));
      message.citations.forEach(function (citation, index) {
        var link = document.createElement("a");
        link.href = sources + citation.chunk + "/";
        link.target = "_blank";
        link.rel = "noopener";
        link.className = "citation";
        link.textContent = "[" + (index + 1) + "] " + citation.title + (citation.heading && citation.heading !== citation.title ? " › " + citation.heading : "");
        cited.appendChild(link);
      });
      item.appendChild(cited);
    }
    if (message.role === "assistant" && message.kind === "answer") {
      var unhelpful = document.createElement("button");
      unhelpful.type = "button";
      unhelpful.className = "feedback";
      unhelpful.textContent = labels.unhelpful;
      unhelpful.addEventListener("click", function () {
        unhelpful.disabled = true;
        post(api + "/conversations/" + token + "/messages/" + message.id + "/feedback/", {helpful: false})
          .then(function (response) { return response.json(); })
          .then(function (data) { (data.events || []).forEach(handle); });
      });
      item.appendChild(unhelpful);
    }
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  var pending = null;
  function handle(event) {
    if (event.type === "received" || event.type === "message") {
      if (pending) { pending.remove(); pending = null; }
      typing.hidden = true;
      render(event.message);
    } else if (event.type === "typing") {
      typing.hidden = false;
    } else if (event.type === "delta") {
      typing.hidden = true;
      if (!pending) {
        pending = document.createElement("li");
        pending.className = "message assistant streaming";
        list.appendChild(pending);
      }
      pending.textContent += event.text;
      list.scrollTop = list.scrollHeight;
    } else if (event.type === "handoff") {
      status.textContent = "●";
      status.className = "chat-status pending";
    } else if (event.type === "waiting") {
      note(event.text);
    }
  }

  function readStream(response) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          if (buffer.trim()) { handle(JSON.parse(buffer)); }
          return;
        }
        buffer += decoder.decode(chunk.value, {stream: true});
        var lines = buffer.split("\n");
        buffer = lines.pop();
        lines.forEach(function (line) { if (line.trim()) { handle(JSON.parse(line)); } });
        return pump();
      });
    }
    return pump();
  }

  function send(text) {
    busy = true;
    return post(api + "/conversations/" + token + "/messages/", {text: text}).then(function (response) {
      if (response.status === 404) {
        return start().then(function () { return send(text); });
      }
      if (!response.ok) { throw new Error("send " + response.status); }
      return readStream(response);
    }).catch(function () {
      note(labels.error);
    }).then(function () {
      busy = false;
      typing.hidden = true;
    });
  }

  function poll() {
    if (!token || busy) { return; }
    fetch(api + "/conversations/" + token + "/messages/?after=" + lastId, {credentials: "omit"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.messages.forEach(render);
        status.className = "chat-status " + data.status;
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { return; }
    input.value = "";
    var ready = token ? Promise.resolve() : start();
    ready.then(function () { return send(text); });
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById("chat-human").addEventListener("click", function () {
    var ready = token ? Promise.resolve() : start();
    ready.then(function () {
      return post(api + "/conversations/" + token + "/handoff/", {});
    }).then(function (response) { return response.json(); })
      .then(function (data) { (data.events || []).forEach(handle); });
  });

  if (token) { poll(); }
  window.setInterval(poll, 3000);
});
