// Small behaviour of our own; everything else is htmx attributes in the templates.

// A submitted form disables its submit buttons, so a double click sends it once
// (postings also carry an idempotency key, so a second request would post nothing new).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.hasAttribute("data-allow-resubmit") || form.hasAttribute("hx-get")) return;
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.disabled = true;
    });
  }, 0);
});

// A form that htmx sent itself stays on the page: its buttons work again after the answer.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt.closest && event.detail.elt.closest("form");
  if (!form) return;
  form.querySelectorAll("button:disabled").forEach(function (b) { b.disabled = false; });
});

// An htmx request the server refused (403, 404, 409 …) swaps nothing; show the German
// message of the server's error page at the top of the page instead.
document.addEventListener("htmx:responseError", function (event) {
  var page = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
  var alert = page.querySelector("[role=alert]");
  var text = alert ? alert.textContent : "Das ging nicht (" + event.detail.xhr.status + ").";
  var banner = document.getElementById("htmx-error");
  if (!banner) {
    banner = document.createElement("p");
    banner.id = "htmx-error";
    banner.className = "alert";
    banner.setAttribute("role", "alert");
    document.getElementById("main").prepend(banner);
  }
  banner.textContent = text;
});

// A form sent by htmx that the server answers with 422 comes back re-rendered with the
// German messages at their fields: swap it in like a success.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// A proposal line's "übernehmen" button fills the posting form's fields (data-fill JSON).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-fill]");
  if (!button) return;
  var form = document.getElementById("posting-form");
  if (!form) return;
  var values = JSON.parse(button.getAttribute("data-fill"));
  Object.keys(values).forEach(function (name) {
    var field = form.elements.namedItem(name);
    if (field) field.value = values[name];
  });
  var submit = form.querySelector("button[type=submit]");
  if (submit) submit.focus();
});
// Count sheets: Enter moves to the next count (location order); on the last it saves.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !event.target.matches("input[data-count]")) return;
  var inputs = Array.prototype.slice.call(event.target.form.querySelectorAll("input[data-count]"));
  var next = inputs[inputs.indexOf(event.target) + 1];
  if (next) {
    event.preventDefault();
    next.focus();
    next.select();
  }
});
// Job uploads: a file dropped on the drop zone goes into its file input.
document.addEventListener("dragover", function (event) {
  var zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (!zone) return;
  event.preventDefault();
  zone.classList.add("dragging");
});
document.addEventListener("dragleave", function (event) {
  var zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (zone) zone.classList.remove("dragging");
});
document.addEventListener("drop", function (event) {
  var zone = event.target.closest && event.target.closest("[data-dropzone]");
  if (!zone) return;
  event.preventDefault();
  zone.classList.remove("dragging");
  var input = zone.querySelector("input[type=file]");
  if (input && event.dataTransfer.files.length) {
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
});
document.addEventListener("change", function (event) {
  if (!event.target.matches("[data-dropzone] input[type=file]")) return;
  var label = event.target.closest("[data-dropzone]").querySelector("[data-filename]");
  if (label) label.textContent = event.target.files.length ? event.target.files[0].name : "";
});
// Keyboard-only forms (data-enter-moves, the weighbridge screen): Enter moves to the next
// field; on the last field it sends the form.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || event.isComposing) return;
  var form = event.target.form;
  if (!form || !form.hasAttribute("data-enter-moves")) return;
  if (!event.target.matches("input, select")) return;
  var fields = Array.prototype.filter.call(form.elements, function (el) {
    return el.matches("input:not([type=hidden]), select") && !el.disabled;
  });
  var next = fields[fields.indexOf(event.target) + 1];
  event.preventDefault();
  if (next) {
    next.focus();
    if (next.select) next.select();
  } else {
    form.requestSubmit();
  }
});
