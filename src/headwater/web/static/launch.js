/* The Materialize buttons of an asset page: submit the selection, link to the run. */
"use strict";
(function () {
  const form = document.getElementById("materialize-form");
  if (!form) return;
  const result = document.getElementById("launch-result");
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const selection = (ev.submitter && ev.submitter.dataset.selection) || form.dataset.selection;
    result.textContent = "launching…"; result.className = "muted";
    try {
      const run = await headwater.post("/api/runs", {selection: selection});
      result.innerHTML = ""; const a = document.createElement("a"); a.href = "/runs/" + run.run_id; a.id = "launched-run";
      a.textContent = "run " + run.run_id.slice(0, 8) + " " + run.status; result.appendChild(a);
    } catch (err) { result.textContent = err.message; result.className = "error"; }
  });
})();
