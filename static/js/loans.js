// Loans pages. No inline scripts (CSP): behaviour hangs off data attributes and form field names.
(function () {
  "use strict";

  // Early repayment: the partial-prepayment fields only matter when "Partial prepayment" is chosen.
  function syncSettlementForm(form) {
    var chosen = form.querySelector('input[name="mode"]:checked');
    var partial = chosen && chosen.value === "partial";
    ["prepay_principal", "option"].forEach(function (name) {
      var field = form.querySelector('[name="' + name + '"]');
      if (!field) return;
      var wrapper = field.closest(".mb-3") || field.parentElement;
      wrapper.hidden = !partial;
      field.disabled = !partial;
    });
  }

  document.querySelectorAll("form[data-settlement-form]").forEach(function (form) {
    syncSettlementForm(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "mode") syncSettlementForm(form);
    });
  });
})();
