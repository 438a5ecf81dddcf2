// Scan fields: a barcode scanner types the code and presses Enter. Enter in a scan field
// moves to the form's next empty field (after it, else before it), as one scans item after
// item; when nothing is left empty, Enter submits the form as usual. Without this script
// Enter submits at once, and the server says at each field what is missing.
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
      return el.tagName === "INPUT" && el.type !== "hidden" && !el.disabled && !el.readOnly;
    });
    var at = inputs.indexOf(field);
    var ordered = inputs.slice(at + 1).concat(inputs.slice(0, at));
    var next = ordered.find(function (el) { return el.value === ""; });
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });
})();
