/* tapif: what keeps a candidate's typing safe, loaded on every page (a static file: the site's
 * CSP allows no inline script without its nonce). Every feature here is an extra: with
 * JavaScript off, the forms save as plain forms.
 *
 * - Autosave: a form with data-autosave="URL" posts its fields there as a draft 3 seconds after
 *   typing stops and when a field is left; the page says when ("Draft saved at …").
 * - Two tabs: a BroadcastChannel tells the other tabs of the same section that it changed; the
 *   server says so too when a write started from an older draft (the last write wins).
 * - Leaving: a prompt while something typed is not yet kept, and a last save on the way out.
 * - Language switch: the draft is saved first, so the page comes back with what was typed.
 * - Live eligibility: #live-rules[data-url] gets the section's rules judged on what is typed.
 * - Session: a warning two minutes before the session ends, with "Stay signed in".
 */
(function () {
  "use strict";

  var AUTOSAVE_DELAY = 3000;
  var RULES_DELAY = 600;
  var WARNING_BEFORE = 120;

  function debounce(fn, delay) {
    var timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, delay);
    };
  }

  // One request of ours at a time: an autosave never races the live rules or another save.
  var queue = Promise.resolve();
  function post(url, body) {
    var sent = queue.then(function () {
      return fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        redirect: "error"
      });
    });
    queue = sent.catch(function () {});
    return sent;
  }

  // --- Autosave -------------------------------------------------------------------------------

  var form = document.querySelector("form[data-autosave]");
  var dirty = false; // typed since the last kept draft
  var submitting = false;
  var saving = null; // the promise of the save under way

  function versionField() {
    return form.querySelector("input[name=_draft_version]");
  }

  function statusLine() {
    return form.querySelector(".draft-status");
  }

  function say(text) {
    var line = statusLine();
    if (line) { line.textContent = text; }
  }

  var channel = null;
  if (form && "BroadcastChannel" in window) {
    channel = new BroadcastChannel("tapif-drafts");
    channel.onmessage = function (event) {
      if (event.data && event.data.section === form.dataset.section) {
        say(statusLine().dataset.otherTab);
      }
    };
  }

  function saveDraft() {
    if (!form || submitting) { return Promise.resolve(); }
    if (!dirty) { return saving || Promise.resolve(); }
    dirty = false;
    saving = post(form.dataset.autosave, new FormData(form))
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.error) { dirty = true; say(answer.error); return; }
        versionField().value = answer.version;
        say(answer.overtaken ? answer.overtaken + " " + answer.message : answer.message);
        if (channel) { channel.postMessage({ section: form.dataset.section }); }
      })
      .catch(function () {
        dirty = true; // not kept: try again at the next pause, and warn on leaving
      })
      .finally(function () { saving = null; });
    return saving;
  }

  if (form) {
    var later = debounce(saveDraft, AUTOSAVE_DELAY);
    form.addEventListener("input", function () { dirty = true; later(); });
    form.addEventListener("change", function () { dirty = true; later(); });
    form.addEventListener("focusout", function () { if (dirty) { saveDraft(); } });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty || submitting) { return; }
      // A last try on the way out; the browser asks the candidate whether to leave.
      navigator.sendBeacon(form.dataset.autosave, new FormData(form));
      event.preventDefault();
      event.returnValue = "";
    });
  }

  // The language switch reloads the page in the other language: keep the typing first.
  document.querySelectorAll("form.language-switch").forEach(function (switcher) {
    switcher.addEventListener("submit", function (event) {
      if (!form || (!dirty && !saving)) { return; }
      event.preventDefault();
      var button = event.submitter;
      saveDraft().then(function () {
        submitting = true;
        if (button) {
          var hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = button.name;
          hidden.value = button.value;
          switcher.appendChild(hidden);
        }
        switcher.submit();
      });
    });
  });

  // --- Live eligibility -----------------------------------------------------------------------

  var rules = document.getElementById("live-rules");
  if (form && rules && rules.dataset.url) {
    var judge = debounce(function () {
      post(rules.dataset.url, new FormData(form))
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) { rules.innerHTML = html; } })
        .catch(function () {});
    }, RULES_DELAY);
    form.addEventListener("input", judge);
    form.addEventListener("change", judge);
    if (versionField() && versionField().value !== "0") { judge(); } // a draft is shown
  }

  // --- Session expiry -------------------------------------------------------------------------

  var warning = document.getElementById("session-warning");
  if (warning) {
    var schedule = function (secondsLeft) {
      var wait = Math.max(secondsLeft - WARNING_BEFORE, 0) * 1000;
      setTimeout(function () {
        warning.hidden = false;
        var button = warning.querySelector("button");
        if (button) { button.focus(); }
      }, Math.min(wait, 2147483647));
    };
    var extend = warning.querySelector("form");
    extend.addEventListener("submit", function (event) {
      event.preventDefault();
      post(extend.action, new FormData(extend))
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          warning.hidden = true;
          schedule(answer.seconds_left);
        })
        .catch(function () { extend.submit(); });
    });
    schedule(parseInt(warning.dataset.secondsLeft, 10) || 0);
  }
})();
