// After a failed submit the page opens on the error summary: it is read first, and the next Tab
// reaches the link to the first field in error.
(() => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
