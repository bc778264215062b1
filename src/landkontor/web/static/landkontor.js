// Small behaviour of our own; everything else is htmx attributes in the templates.
// A submitted form disables its submit buttons, so a double click sends it once
// (the server still posts once per idempotency key if a second request comes anyway).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.hasAttribute("data-allow-resubmit")) return;
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.disabled = true;
    });
  }, 0);
});
// htmx answers an error status with no swap by default; show the server's German page part.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
