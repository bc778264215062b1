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
