// Remembers the visitor's platform in this browser (localStorage, nothing leaves it). The page itself is built
// for one platform (?p=, the picker's form, which works without this script): a visit without ?p= goes on to the
// remembered platform's page, and a choice made in the picker is remembered.
(function () {
  "use strict";
  var KEY = "sharify.platform";
  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* storage off: the choice lasts this page */ }
  }
  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  var params = new URLSearchParams(window.location.search);
  var fromUrl = params.get("p");
  if (fromUrl) {
    store(fromUrl);
  } else {
    var choice = stored();
    if (choice && /^[a-z]{1,16}$/.test(choice) && choice !== "lastfm") {
      params.set("p", choice);
      window.location.replace(window.location.pathname + "?" + params.toString());
      return;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("platform");
    var form = document.getElementById("picker");
    if (!select || !form) { return; }
    form.addEventListener("submit", function () { store(select.value); });
  });
})();
