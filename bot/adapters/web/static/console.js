// The queue refreshes itself: its rows are fetched again (server-rendered) every 20 seconds and
// whenever the page comes back into view.
(function () {
  "use strict";
  var list = document.querySelector("[data-refresh]");
  if (!list) { return; }
  function refresh() {
    fetch(list.getAttribute("data-refresh"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { list.innerHTML = html; })
      .catch(function () { /* keep what is shown; try again next time */ });
  }
  setInterval(refresh, 20000);
  window.addEventListener("focus", refresh);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); }
  });
})();
