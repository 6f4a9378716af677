// Complaint page behaviour (no inline scripts: the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // The refund/waiver amount only matters for those remedies.
  function syncRemedy(form) {
    var remedy = form.querySelector("select[name=remedy]");
    var amount = form.querySelector("input[name=remedy_amount]");
    if (!remedy || !amount) { return; }
    var wrapper = amount.closest(".mb-3") || amount.parentElement;
    var needed = remedy.value === "fee_refund" || remedy.value === "waiver";
    wrapper.classList.toggle("d-none", !needed && !amount.value);
  }
  // The email subject only matters when the letter goes by email.
  function syncChannel(form) {
    var channel = form.querySelector("select[name=channel]");
    var subject = form.querySelector("input[name=subject]");
    if (!channel || !subject) { return; }
    var wrapper = subject.closest(".mb-3") || subject.parentElement;
    wrapper.classList.toggle("d-none", channel.value !== "email");
  }
  // Characters left for an SMS letter (70 Chinese characters per segment).
  function syncCount(form) {
    var body = form.querySelector("textarea[name=body]");
    var channel = form.querySelector("select[name=channel]");
    if (!body) { return; }
    var hint = form.querySelector(".js-sms-count");
    if (!hint) {
      hint = document.createElement("div");
      hint.className = "form-text js-sms-count";
      body.insertAdjacentElement("afterend", hint);
    }
    var n = body.value.length;
    hint.textContent = channel && channel.value === "sms" ? (n + " / " + Math.max(1, Math.ceil(n / 67)) + " SMS") : "";
  }
  document.querySelectorAll("form.js-decision-form").forEach(function (form) {
    syncRemedy(form);
    form.addEventListener("change", function () { syncRemedy(form); });
  });
  document.querySelectorAll("form.js-inform-form").forEach(function (form) {
    syncChannel(form);
    syncCount(form);
    form.addEventListener("change", function () { syncChannel(form); syncCount(form); });
    form.addEventListener("input", function () { syncCount(form); });
  });
})();
