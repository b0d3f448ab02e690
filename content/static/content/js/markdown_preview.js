// Live preview under every Markdown field in the Wagtail editor. The server
// renders and sanitises (the same code learners see); no library, no CDN.
(function () {
  "use strict";
  var endpoint = document.currentScript && document.currentScript.dataset.endpoint;
  var timers = new WeakMap();

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return (input && input.value) || (match && decodeURIComponent(match[1])) || "";
  }

  function previewFor(textarea) {
    var preview = textarea.parentNode.querySelector(".shinka-markdown-preview");
    if (!preview) {
      preview = document.createElement("div");
      preview.className = "shinka-markdown-preview";
      preview.setAttribute("role", "region");
      preview.setAttribute("aria-live", "polite");
      preview.setAttribute("aria-label", textarea.dataset.previewLabel || "Preview");
      textarea.parentNode.appendChild(preview);
    }
    return preview;
  }

  function refresh(textarea) {
    var body = new URLSearchParams();
    body.set("source", textarea.value);
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded"},
      body: body.toString(),
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { previewFor(textarea).innerHTML = data.html; } });
  }

  function schedule(textarea) {
    clearTimeout(timers.get(textarea));
    timers.set(textarea, setTimeout(function () { refresh(textarea); }, 400));
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea.shinka-markdown")) {
      schedule(event.target);
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("textarea.shinka-markdown") &&
        !event.target.parentNode.querySelector(".shinka-markdown-preview")) {
      refresh(event.target);
    }
  });
})();
