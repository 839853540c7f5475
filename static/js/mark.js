// After "Mark as read" the page comes back with the button's anchor in the address, but
// the browser may restore the scroll position it had before the form was sent. Bring the
// button and its "Marked read" note back into view, and give the button focus again.
window.addEventListener("load", () => {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (!target || !target.querySelector(".mark-status span")) {
    return;
  }
  target.scrollIntoView({ block: "center" });
  const button = target.querySelector("button");
  if (button) {
    button.focus({ preventScroll: true });
  }
});
