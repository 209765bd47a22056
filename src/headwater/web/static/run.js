/* A run's page, live: logs stream in by server-sent events from the log cursor; each step event
   redraws the header and timeline; the buttons cancel and re-execute through the API. */
"use strict";
(function () {
  const box = document.getElementById("log-lines");
  const stepsBox = document.getElementById("run-steps");
  const pick = document.getElementById("log-step");
  const state = document.getElementById("log-state");
  const result = document.getElementById("action-result");
  let redraw = null;

  function show(line) {
    const div = document.createElement("div");
    div.className = "line " + line.stream + (line.level ? " " + line.level : "");
    div.dataset.step = line.step;
    div.hidden = pick.value !== "" && pick.value !== line.step;
    const step = document.createElement("span"); step.className = "step"; step.textContent = "[" + line.step + "]";
    div.appendChild(step); div.appendChild(document.createTextNode((line.level ? line.level + " " : "") + line.text));
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
    box.appendChild(div);
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
  async function refresh() {
    redraw = null;
    const response = await fetch(stepsBox.dataset.url, {credentials: "same-origin"});
    if (!response.ok) return;
    stepsBox.innerHTML = await response.text();
    const header = document.getElementById("run-header");
    const finished = header.dataset.finished === "true";
    document.getElementById("cancel-run").hidden = finished;
    document.getElementById("reexecute-failure").hidden = header.dataset.status !== "FAILURE";
    document.getElementById("reexecute-all").hidden = !finished;
  }
  function soon() { if (!redraw) redraw = setTimeout(refresh, 150); }

  const source = new EventSource(box.dataset.stream);
  source.addEventListener("log", function (ev) { show(JSON.parse(ev.data)); });
  source.addEventListener("step", soon);
  source.addEventListener("end", function (ev) {
    source.close(); state.textContent = "run ended " + JSON.parse(ev.data).status; box.dataset.ended = "true"; refresh();
  });
  source.onerror = function () { state.textContent = "reconnecting…"; };
  pick.addEventListener("change", function () {
    box.querySelectorAll(".line").forEach(function (div) { div.hidden = pick.value !== "" && div.dataset.step !== pick.value; });
  });
  stepsBox.addEventListener("click", function (ev) {
    const link = ev.target.closest(".step-link"); if (!link) return;
    pick.value = link.dataset.step; pick.dispatchEvent(new Event("change"));
  });

  async function act(button, url, body, go) {
    button.disabled = true; result.textContent = "…"; result.className = "muted";
    try {
      const answer = await headwater.post(url, body);
      if (go && answer.run_id) { window.location = "/runs/" + answer.run_id; return; }
      result.textContent = answer.status || "done"; result.className = "";
      soon();
    } catch (err) { result.textContent = err.message; result.className = "error"; }
    button.disabled = false;
  }
  const runId = document.getElementById("run-id").textContent;
  document.getElementById("cancel-run").addEventListener("click", function () { act(this, "/api/runs/" + runId + "/cancel", {}, false); });
  document.getElementById("reexecute-failure").addEventListener("click", function () { act(this, "/api/runs/" + runId + "/reexecute", {from_failure: true}, true); });
  document.getElementById("reexecute-all").addEventListener("click", function () { act(this, "/api/runs/" + runId + "/reexecute", {from_failure: false}, true); });
})();
