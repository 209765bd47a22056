/* The launch form: shows the fields of the chosen kind, checks the launch as it is typed
   (POST /api/launch/check), and queues it (POST /api/runs), then opens the run. */
"use strict";
(function () {
  const form = document.getElementById("launch-form");
  const problems = document.getElementById("launch-problems");
  const submit = document.getElementById("launch-submit");
  const result = document.getElementById("launch-result");
  let timer = null, seq = 0;

  function kind() { return form.querySelector('input[name="kind"]:checked').value; }
  function layout() {
    const k = kind();
    form.querySelectorAll(".for-job, .for-selection, .for-dag").forEach(function (el) { el.hidden = !el.classList.contains("for-" + k); });
  }
  function request() {
    const k = kind(), body = {tags: {}};
    form.elements.tags.value.split(",").forEach(function (pair) {
      const i = pair.indexOf("="); if (i > 0) body.tags[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
    });
    if (k === "job") body.job = form.elements.job.value;
    if (k === "selection") body.selection = form.elements.selection.value;
    if (k === "dag") {
      body.dag_id = form.elements.dag_id.value;
      if (form.elements.conf.value.trim()) body.conf = JSON.parse(form.elements.conf.value);
      if (form.elements.logical_date.value) body.logical_date = form.elements.logical_date.value;
    } else if (form.elements.run_config.value.trim()) {
      body.run_config_text = form.elements.run_config.value;  /* YAML or JSON: the server parses it */
    }
    return body;
  }
  function show(list) {
    problems.innerHTML = "";
    list.forEach(function (text) { const li = document.createElement("li"); li.textContent = text; problems.appendChild(li); });
    submit.disabled = list.length > 0;
    form.dataset.checked = list.length ? "problems" : "ok";
  }
  async function check() {
    const mine = ++seq;
    let body;
    try { body = request(); } catch (err) { show(["conf is not valid JSON: " + err.message]); return; }
    try {
      const answer = await headwater.post("/api/launch/check", body);
      if (mine === seq) show(answer.problems);
    } catch (err) { if (mine === seq) show([err.message]); }
  }
  function later() { form.dataset.checked = "pending"; clearTimeout(timer); timer = setTimeout(check, 250); }
  form.addEventListener("input", later);
  form.addEventListener("change", function () { layout(); later(); });
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    let body;
    try { body = request(); } catch (err) { show(["conf is not valid JSON: " + err.message]); return; }
    submit.disabled = true; result.textContent = "launching…"; result.className = "muted";
    try {
      const run = await headwater.post("/api/runs", body);
      window.location = "/runs/" + run.run_id;
    } catch (err) { result.textContent = err.message; result.className = "error"; submit.disabled = false; }
  });
  layout(); check();
})();
