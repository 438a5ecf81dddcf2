// Scan fields: a barcode scanner types the code and presses Enter (or Tab). Enter in a scan
// field moves to the next empty field of the form, as a pharmacist expects when scanning one
// item after another; in the last field, or when all are filled, the form is submitted as
// usual. Without this script Enter submits at once, and the server says what is missing.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches("input[data-scan]")) {
      return;
    }
    var form = field.form;
    if (!form) {
      return;
    }
    var inputs = Array.prototype.filter.call(form.elements, function (el) {
      return el.tagName === "INPUT" && el.type !== "hidden" && !el.disabled;
    });
    var after = inputs.slice(inputs.indexOf(field) + 1);
    var next = after.find(function (el) { return el.value === ""; });
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });
})();
