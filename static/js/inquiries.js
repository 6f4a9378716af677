// Inquiries: keyboard work for agents who live in the queue all day (no inline scripts: CSP).
(function () {
  "use strict";

  // Canned replies: choosing one inserts its text into the reply box.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.classList || !select.classList.contains("js-canned")) { return; }
    var option = select.options[select.selectedIndex];
    var target = document.querySelector(select.dataset.target || "#id_body");
    if (option && option.dataset.body && target) {
      target.value = target.value ? target.value.replace(/\s+$/, "") + "\n" + option.dataset.body : option.dataset.body;
      target.focus();
    }
    select.selectedIndex = 0;
  });

  // Ctrl+Enter (or Cmd+Enter) in a text area submits its form.
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && el.tagName === "TEXTAREA" && el.form) {
      event.preventDefault();
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  // A tab shown by click or access key puts the cursor into its first field.
  document.addEventListener("shown.bs.tab", function (event) {
    var pane = document.querySelector(event.target.dataset.bsTarget);
    var field = pane && pane.querySelector("textarea, select, input:not([type=hidden])");
    if (field) { field.focus(); }
  });

  // The queue: J/K (or arrows) move, Enter opens, C claims; the selection survives the live refresh.
  var selected = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".queue-row")); }
  function mark() {
    rows().forEach(function (row) {
      var on = row.dataset.inquiry === selected;
      row.classList.toggle("table-active", on);
      row.setAttribute("aria-selected", on ? "true" : "false");
    });
  }
  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var index = list.findIndex(function (row) { return row.dataset.inquiry === selected; });
    index = Math.min(list.length - 1, Math.max(0, index + step));
    selected = list[index].dataset.inquiry;
    mark();
    list[index].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("queue-table")) { return; }
    var tag = event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var row = selected && document.querySelector('.queue-row[data-inquiry="' + selected + '"]');
    if (event.key === "j" || event.key === "ArrowDown") { move(1); event.preventDefault(); }
    else if (event.key === "k" || event.key === "ArrowUp") { move(-1); event.preventDefault(); }
    else if (event.key === "Enter" && row && event.target === document.body) { window.location.href = row.dataset.href; }
    else if ((event.key === "c" || event.key === "C") && row) {
      var claim = row.querySelector(".js-claim");
      if (claim) { claim.click(); }
    }
  });

  // The tab title shows how many inquiries are waiting for a first answer.
  var baseTitle = document.title;
  function updateTitle() {
    var meta = document.getElementById("queue-meta");
    if (!meta) { return; }
    var waiting = parseInt(meta.dataset.unanswered || "0", 10);
    document.title = (waiting > 0 ? "(" + waiting + ") " : "") + baseTitle;
  }
  document.addEventListener("htmx:afterSwap", function () { mark(); updateTitle(); });
  updateTitle();
})();
