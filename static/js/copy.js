// Copy buttons: <button data-copy="INPUT_ID" hidden> copies that input's value. Without
// JavaScript the buttons stay hidden and the read-only field can be selected by hand.
(function () {
  "use strict";
  function say(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) status.textContent = text;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var id = button.getAttribute("data-copy");
    var input = document.getElementById(id);
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = "Copied";
        say(id, "Verification URL copied.");
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          input.select();
          say(id, "Select the URL and copy it.");
        });
      } else {
        input.select();
        document.execCommand("copy");
        done();
      }
    });
  });
})();
