// The bell's poll (hx-trigger in templates/community/_bell.html) asks nothing while the
// tab is hidden: a phone in a pocket must not wake the server every 30 s. Kept here, not in
// an hx-trigger filter, because htmx evaluates filters with Function(), which the CSP forbids.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.target.matches("[data-poll]") && document.visibilityState !== "visible") {
    event.preventDefault();
  }
});
