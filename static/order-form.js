// The order form: checks as the user types, and finds patients and prescribers by a few
// letters. Without JavaScript the Check button does the same on the server.
(function () {
  "use strict";
  const form = document.getElementById("order-form");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const summary = document.getElementById("check-summary");
  let timer = null;
  let sequence = 0;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function notesFor(name) {
    return form.querySelector('[data-field="' + name + '"] .notes');
  }

  function render(answer, live) {
    form.querySelectorAll(".notes").forEach(function (n) { n.replaceChildren(); });
    form.querySelectorAll(".field").forEach(function (f) { f.classList.remove("has-error"); });
    summary.replaceChildren();
    Object.entries(answer.errors || {}).forEach(function ([name, messages]) {
      const input = form.elements[name];
      // While typing, say nothing yet about fields still empty; Save and Check do.
      if (live && input && !input.value.trim()) return;
      const notes = notesFor(name);
      messages.forEach(function (m) {
        const p = el("p", "error", m);
        (notes || summary).appendChild(p);
      });
      if (notes) notes.parentElement.classList.add("has-error");
    });
    Object.entries(answer.findings || {}).forEach(function ([name, findings]) {
      const notes = notesFor(name);
      findings.forEach(function (f) {
        const p = el("p", "finding-note finding-" + f.severity);
        p.dataset.code = f.code;
        p.appendChild(el("strong", null, f.severity.toUpperCase() + " "));
        p.appendChild(document.createTextNode((f.line ? "Line " + f.line + ": " : "") + f.message));
        (notes || summary).appendChild(p);
      });
    });
    if (answer.verdict) {
      const badge = el("span", "badge badge-" + answer.verdict, answer.verdict_label);
      const line = el("p", "verdict-line", "Check: ");
      line.appendChild(badge);
      summary.prepend(line);
    }
  }

  function check() {
    const mine = ++sequence;
    const data = new FormData(form);
    fetch(form.dataset.checkUrl, {
      method: "POST", body: data, headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      credentials: "same-origin",
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) { if (answer && mine === sequence) render(answer, true); })
      .catch(function () { /* the Check button still works */ });
  }

  form.addEventListener("input", function (event) {
    if (event.target.name && event.target.name.endsWith("_search")) return;
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });

  function lookup(input, list, url, describe, pick) {
    let lookupTimer = null;
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", list.id);
    input.addEventListener("input", function () {
      clearTimeout(lookupTimer);
      lookupTimer = setTimeout(function () {
        const q = input.value.trim();
        if (q.length < 2) { list.hidden = true; return; }
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.replaceChildren();
            items.forEach(function (item) {
              const li = el("li", null, describe(item));
              li.setAttribute("role", "option");
              li.tabIndex = 0;
              function choose() { pick(item); list.hidden = true; input.value = describe(item); check(); }
              li.addEventListener("click", choose);
              li.addEventListener("keydown", function (e) {
                if (e.key === "Enter") { e.preventDefault(); choose(); }
                if (e.key === "ArrowDown" && li.nextSibling) { e.preventDefault(); li.nextSibling.focus(); }
                if (e.key === "ArrowUp") { e.preventDefault(); (li.previousSibling || input).focus(); }
              });
              list.appendChild(li);
            });
            if (!items.length) list.appendChild(el("li", "muted", "No match: type the details below to add a new one."));
            list.hidden = false;
          });
      }, 200);
    });
    function close() { list.hidden = true; }
    input.addEventListener("blur", function () {
      setTimeout(function () { if (!list.contains(document.activeElement)) close(); }, 150);
    });
    list.addEventListener("focusout", function () {
      setTimeout(function () {
        if (!list.contains(document.activeElement) && document.activeElement !== input) close();
      }, 150);
    });
    list.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { close(); input.focus(); }
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") close();

      if (e.key === "ArrowDown" && !list.hidden && list.firstChild && list.firstChild.tabIndex === 0) {
        e.preventDefault(); list.firstChild.focus();
      }
      if (e.key === "Enter") e.preventDefault();  // Enter picks, never submits from here
    });
  }

  function set(name, value) { const f = form.elements[name]; if (f) f.value = value; }
  // Dates are typed MM/DD/YYYY in this form; the lookup answers ISO dates.
  function usDate(iso) { const p = (iso || "").split("-"); return p.length === 3 ? p[1] + "/" + p[2] + "/" + p[0] : iso; }
  function focus(name) { const f = form.elements[name]; if (f) f.focus(); }

  // One submission per page: a double click must not save the prescription twice.
  form.addEventListener("submit", function (event) {
    if (form.dataset.submitting) { event.preventDefault(); return; }
    form.dataset.submitting = "1";
  });

  lookup(form.elements.patient_search, document.getElementById("patient-results"),
    form.dataset.patientUrl,
    function (p) { return p.last_name + ", " + p.first_name + " (born " + usDate(p.date_of_birth) + ")"; },
    function (p) {
      set("first_name", p.first_name); set("last_name", p.last_name);
      if (form.elements.family_name_first) form.elements.family_name_first.checked = !!p.family_name_first;
      set("date_of_birth", usDate(p.date_of_birth)); set("medications", p.medications.join("\n"));
      set("allergies", p.allergies.join("\n")); set("conditions", p.conditions.join("\n"));
      focus("prescriber_search");
    });
  lookup(form.elements.prescriber_search, document.getElementById("prescriber-results"),
    form.dataset.prescriberUrl,
    function (p) { return p.name + (p.credential ? ", " + p.credential : "") + " · " + (p.license_number || "no licence") + " " + p.state; },
    function (p) {
      set("prescriber_name", p.name); set("credential", p.credential);
      set("license_number", p.license_number); set("state", p.state); set("npi", p.npi);
      set("prescriber_phone", p.phone || ""); set("prescriber_fax", p.fax || "");
      focus("strength");
    });
})();
