// Attempt page: autosave as the learner answers, a confirmation before submitting with
// questions unanswered, and the countdown. The page works without it (the server asks
// for the confirmation on a page of its own).
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) return;
  // Not form.action: the buttons named "action" shadow that property.
  var saveUrl = form.getAttribute("action");

  // --- autosave ---------------------------------------------------------------------------
  var status = document.getElementById("quiz-autosave");
  var timer = null;
  var saving = false;
  var again = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  function countAnswered() {
    var answered = 0;
    var total = 0;
    form.querySelectorAll("fieldset.quiz-question").forEach(function (fieldset) {
      var filled = Array.prototype.some.call(
        fieldset.querySelectorAll("input, select"),
        function (input) {
          if (input.type === "radio" || input.type === "checkbox") return input.checked;
          return input.value.trim() !== "";
        }
      );
      if (filled) answered += 1;
      total += 1;
    });
    var counter = document.getElementById("quiz-answered");
    if (counter) counter.textContent = String(answered);
    return total - answered;
  }

  function save() {
    if (saving) {
      again = true;
      return;
    }
    saving = true;
    var data = new FormData(form);
    data.set("action", "autosave");
    say("Saving…");
    fetch(saveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          say(result.body.error || "Not saved. Use Save answers.");
        } else if (result.body.closed) {
          window.location.assign(result.body.result_url);
        } else if (Object.keys(result.body.errors || {}).length) {
          say("Some answers need fixing: press Save answers to see which.");
        } else {
          var now = new Date();
          say("Saved at " + now.toTimeString().slice(0, 5) + ".");
        }
      })
      .catch(function () {
        say("Not saved (connection problem). Use Save answers.");
      })
      .finally(function () {
        saving = false;
        if (again) {
          again = false;
          save();
        }
      });
  }

  function changed() {
    countAnswered();
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 800);
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") changed();
  });

  // --- confirm before submitting with questions unanswered -----------------------------------
  var confirmField = document.getElementById("quiz-confirm");
  var dialog = document.getElementById("quiz-confirm-dialog");
  var submitButton = document.getElementById("quiz-submit");

  function submitConfirmed() {
    if (confirmField) confirmField.value = "1";
    if (form.requestSubmit && submitButton) form.requestSubmit(submitButton);
    else form.submit();
  }

  if (dialog && typeof dialog.showModal === "function" && confirmField) {
    form.addEventListener("submit", function (event) {
      if (event.submitter !== submitButton || confirmField.value === "1") return;
      var unanswered = countAnswered();
      if (unanswered === 0) return;
      event.preventDefault();
      document.getElementById("quiz-confirm-text").textContent =
        unanswered === 1
          ? "1 question is still unanswered."
          : unanswered + " questions are still unanswered.";
      dialog.showModal();
    });
    document.getElementById("quiz-confirm-back").addEventListener("click", function () {
      dialog.close();
    });
    document.getElementById("quiz-confirm-submit").addEventListener("click", function () {
      dialog.close();
      submitConfirmed();
    });
  }

  // --- countdown ----------------------------------------------------------------------------
  var clock = document.getElementById("quiz-timer");
  if (!clock) return;
  var shown = document.getElementById("quiz-time-left");
  var announce = document.getElementById("quiz-timer-announce");
  var deadline = Date.now() + Number(clock.dataset.secondsLeft) * 1000;
  var lastAnnounced = Math.ceil(Number(clock.dataset.secondsLeft) / 60);
  var submitted = false;

  function minutesText(minutes) {
    return minutes === 1 ? "1 minute" : minutes + " minutes";
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    if (shown) {
      shown.textContent =
        left >= 600 ? minutes + " min" : minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    }
    // Announce politely, at most once a minute: every 10 minutes, then at 5 and 1 left.
    var wholeMinutes = Math.ceil(left / 60);
    var milestone = wholeMinutes === 5 || wholeMinutes === 1 || (wholeMinutes % 10 === 0 && left > 0);
    if (announce && milestone && wholeMinutes !== lastAnnounced) {
      lastAnnounced = wholeMinutes;
      announce.textContent = minutesText(wholeMinutes) + " left.";
    }
    if (left === 0 && !submitted) {
      submitted = true;
      if (announce) announce.textContent = "Time is up. Your answers are being submitted.";
      if (dialog && dialog.open) dialog.close();
      submitConfirmed();
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
