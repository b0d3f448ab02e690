/* The quiz page: answers saved as they are given, the countdown, a warning before the
 * idle sign-out with 「ログインを続ける」, and unanswered questions confirmed before submit.
 * Without this script the page still works: the form's submission carries every answer.
 * Every text shown comes from the page (translated on the server). */
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) return;
  var data = form.dataset;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var status = document.getElementById("quiz-save-status");
  var texts = document.getElementById("quiz-texts").dataset;
  var submitting = false;
  var signedOut = false;

  function post(url, body) {
    body.append("csrfmiddlewaretoken", csrf);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      // The idle sign-out answers with the sign-in page (a redirect), not JSON.
      if (response.redirected || !json) {
        return { ok: false, status: 401, body: { error: texts.signedOut } };
      }
      return response.json().then(function (payload) {
        return { ok: response.ok, status: response.status, body: payload };
      });
    });
  }

  function showSignedOut(message) {
    signedOut = true;
    status.textContent = "";
    var p = document.createElement("p");
    p.className = "alert alert--overdue";
    p.textContent = message + " ";
    var a = document.createElement("a");
    a.href = data.loginUrl;
    a.textContent = texts.signIn;
    p.appendChild(a);
    status.appendChild(p);
  }

  /* Autosave: one question's answer on every change. */
  function save(fieldset) {
    var body = new FormData();
    body.append("question", fieldset.dataset.question);
    fieldset.querySelectorAll("input:checked").forEach(function (input) {
      body.append("choice", input.value);
    });
    var line = fieldset.querySelector("[data-save-status]");
    line.textContent = texts.saving;
    return post(data.autosaveUrl, body)
      .then(function (reply) {
        if (reply.ok) {
          line.textContent = texts.saved.replace("__TIME__", reply.body.saved_at);
          sessionTouched(false);
        } else if (reply.status === 401) {
          line.textContent = texts.notSaved;
          showSignedOut(reply.body.error);
        } else {
          line.textContent = reply.body.error || texts.notSaved;
          if (reply.body.result) window.location.assign(reply.body.result);
        }
      })
      .catch(function () {
        line.textContent = texts.offline;
      });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question]");
    if (fieldset) save(fieldset);
  });

  /* Unanswered questions confirmed before submit. */
  var unansweredDialog = document.getElementById("quiz-unanswered");
  form.addEventListener("submit", function (event) {
    if (submitting) return;
    var missing = [];
    form.querySelectorAll("fieldset[data-question]").forEach(function (fieldset, index) {
      if (!fieldset.querySelector("input:checked")) missing.push(index + 1);
    });
    if (missing.length && unansweredDialog && unansweredDialog.showModal) {
      event.preventDefault();
      var text = document.getElementById("quiz-unanswered-text");
      text.textContent = text.dataset.template
        .replace("__COUNT__", String(missing.length))
        .replace("__LIST__", missing.join("、"));
      unansweredDialog.showModal();
      return;
    }
    submitting = true;
  });
  if (unansweredDialog) {
    unansweredDialog.addEventListener("click", function (event) {
      var action = event.target.dataset && event.target.dataset.action;
      if (action === "back") {
        unansweredDialog.close();
        var sets = form.querySelectorAll("fieldset[data-question]");
        for (var i = 0; i < sets.length; i++) {
          if (!sets[i].querySelector("input:checked")) {
            sets[i].querySelector("input").focus();
            break;
          }
        }
      } else if (action === "submit") {
        unansweredDialog.close();
        submitting = true;
        form.submit();
      }
    });
  }

  function clock(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return texts.clock.replace("__M__", String(m)).replace("__S__", (s < 10 ? "0" : "") + s);
  }

  /* The countdown, from the seconds the server had left (its deadline decides). */
  var timer = document.getElementById("quiz-timer");
  if (timer) {
    var value = document.getElementById("quiz-timer-value");
    var ends = Date.now() + Number(timer.dataset.secondsLeft) * 1000;
    var announced = {};
    var tick = function () {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      value.textContent = clock(left);
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > 0 && !announced[mark]) {
          announced[mark] = true;
          status.textContent = texts.timeWarning.replace("__MINUTES__", String(mark / 60));
        }
      });
      if (left <= 0) {
        window.clearInterval(interval);
        timer.classList.add("quiz-timer--over");
        status.textContent = texts.timeUp;
        if (!submitting && !signedOut) {
          submitting = true;
          form.submit();
        }
      } else if (left <= 300) {
        timer.classList.add("quiz-timer--soon");
      }
    };
    var interval = window.setInterval(tick, 1000);
    tick();
  }

  /* The warning before the idle sign-out (WCAG 2.2.1) and 「ログインを続ける」. */
  var sessionDialog = document.getElementById("quiz-session");
  var idle = Number(data.sessionIdleSeconds || 0);
  var warning = Number(data.sessionWarningSeconds || 0);
  var sessionEnds = 0;
  var warnTimer = null;
  var endTimer = null;
  function sessionTouched(exact, secondsLeft) {
    if (!idle || !sessionDialog) return;
    // The server writes "last seen" at most once a minute; a save counts a minute less.
    var left = secondsLeft !== undefined ? secondsLeft : exact ? idle : idle - 60;
    sessionEnds = Date.now() + left * 1000;
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(warn, Math.max(0, left - warning) * 1000);
    endTimer = window.setTimeout(ended, left * 1000);
  }
  function warn() {
    var text = document.getElementById("quiz-session-text");
    var minutes = Math.max(1, Math.round((sessionEnds - Date.now()) / 60000));
    text.textContent = text.dataset.template.replace("__MINUTES__", String(minutes));
    if (!sessionDialog.open) sessionDialog.showModal();
  }
  function ended() {
    if (sessionDialog.open) sessionDialog.close();
    showSignedOut(texts.signedOut);
  }
  if (sessionDialog && data.sessionExtendUrl) {
    sessionDialog.addEventListener("click", function (event) {
      if (!(event.target.dataset && event.target.dataset.action === "extend")) return;
      post(data.sessionExtendUrl, new FormData())
        .then(function (reply) {
          sessionDialog.close();
          if (reply.ok) {
            sessionTouched(true, reply.body.seconds_left);
            status.textContent = texts.extended;
          } else {
            showSignedOut(reply.body.error || texts.signedOut);
          }
        })
        .catch(function () {
          status.textContent = texts.offline;
        });
    });
    sessionTouched(false);
  }
})();
