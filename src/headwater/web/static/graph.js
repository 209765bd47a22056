/* The asset graph on a canvas: layered layout from the server, pan, zoom, search, select, materialize.
   One canvas and no DOM node per asset, so 10,000 assets and 30,000 edges draw in a few frames. */
"use strict";
(function () {
  const canvas = document.getElementById("graph");
  const wrap = document.getElementById("graph-wrap");
  const tip = document.getElementById("graph-tip");
  const search = document.getElementById("graph-search");
  const button = document.getElementById("materialize");
  const bar = document.getElementById("selection-bar");
  const result = document.getElementById("launch-result");
  const ctx = canvas.getContext("2d");
  const COL = 230, ROW = 44, W = 170, H = 28;
  const colours = {"fresh": "#2da44e", "stale": "#d4a72c", "failed": "#cf222e", "running": "#1f6feb", "never materialized": "#a0aec0"};
  let nodes = [], edges = [], view = {x: 20, y: 20, k: 1}, selected = new Set(), matches = new Set(), hover = -1;

  function resize() {
    const r = window.devicePixelRatio || 1;
    canvas.width = wrap.clientWidth * r; canvas.height = wrap.clientHeight * r;
    ctx.setTransform(r, 0, 0, r, 0, 0); draw();
  }
  function nx(n) { return n.layer * COL; }
  function ny(n) { return n.row * ROW; }
  function draw() {
    const w = wrap.clientWidth, h = wrap.clientHeight;
    ctx.save(); ctx.clearRect(0, 0, w, h);
    ctx.translate(view.x, view.y); ctx.scale(view.k, view.k);
    const x0 = -view.x / view.k, y0 = -view.y / view.k, x1 = x0 + w / view.k, y1 = y0 + h / view.k;
    ctx.beginPath(); ctx.strokeStyle = "#c3ccd6"; ctx.lineWidth = 1 / view.k;
    for (let i = 0; i < edges.length; i++) {
      const a = nodes[edges[i][0]], b = nodes[edges[i][1]];
      const ax = nx(a) + W, ay = ny(a) + H / 2, bx = nx(b), by = ny(b) + H / 2;
      if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) continue;
      ctx.moveTo(ax, ay); ctx.bezierCurveTo(ax + 30, ay, bx - 30, by, bx, by);
    }
    ctx.stroke();
    const labels = view.k > 0.45;
    ctx.font = "12px system-ui, sans-serif"; ctx.textBaseline = "middle";
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i], x = nx(n), y = ny(n);
      if (x + W < x0 || x > x1 || y + H < y0 || y > y1) continue;
      ctx.fillStyle = "#fff"; ctx.fillRect(x, y, W, H);
      ctx.fillStyle = colours[n.state] || "#a0aec0"; ctx.fillRect(x, y, 6, H);
      ctx.lineWidth = (selected.has(i) ? 3 : matches.has(i) ? 2 : 1) / view.k;
      ctx.strokeStyle = selected.has(i) ? "#1f6feb" : matches.has(i) ? "#d4a72c" : (i === hover ? "#616e7c" : "#c3ccd6");
      ctx.strokeRect(x, y, W, H);
      if (labels) { ctx.fillStyle = "#1f2933"; ctx.fillText(n.key.length > 24 ? n.key.slice(0, 23) + "…" : n.key, x + 11, y + H / 2); }
    }
    ctx.restore();
    canvas.dataset.drawn = String(nodes.length);
  }
  function at(ev) {
    const r = canvas.getBoundingClientRect();
    const x = (ev.clientX - r.left - view.x) / view.k, y = (ev.clientY - r.top - view.y) / view.k;
    const layer = Math.floor(x / COL), row = Math.floor(y / ROW);
    if (x - layer * COL > W || y - row * ROW > H) return -1;
    return index.get(layer + ":" + row) ?? -1;
  }
  let index = new Map();
  function updateBar() {
    button.disabled = selected.size === 0;
    bar.textContent = selected.size ? selected.size + " selected: " + Array.from(selected).slice(0, 5).map(function (i) { return nodes[i].key; }).join(", ") + (selected.size > 5 ? ", …" : "") : "Click an asset to select it (shift-click adds); double-click opens it.";
  }
  function select(i, add) {
    if (!add) { const had = selected.has(i) && selected.size === 1; selected.clear(); if (had) { updateBar(); draw(); return; } }
    if (selected.has(i)) selected.delete(i); else selected.add(i);
    updateBar(); draw();
  }
  function filter() {
    const q = search.value.trim().toLowerCase(); matches = new Set();
    if (q) {
      nodes.forEach(function (n, i) {
        const hit = q.startsWith("group:") ? n.group.toLowerCase() === q.slice(6) : q.startsWith("state:") ? n.state.startsWith(q.slice(6)) : n.key.toLowerCase().includes(q);
        if (hit) matches.add(i);
      });
      const first = matches.values().next().value;
      if (first !== undefined) { view.x = wrap.clientWidth / 2 - (nx(nodes[first]) + W / 2) * view.k; view.y = wrap.clientHeight / 2 - ny(nodes[first]) * view.k; }
    }
    document.querySelectorAll("#asset-list tr.asset-row").forEach(function (tr) {
      tr.hidden = q !== "" && !tr.dataset.key.toLowerCase().includes(q) && !q.includes(":");
    });
    draw();
  }
  let drag = null;
  canvas.addEventListener("mousedown", function (ev) { drag = {x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false}; });
  window.addEventListener("mouseup", function (ev) {
    if (drag && !drag.moved) { const i = at(ev); if (i >= 0) select(i, ev.shiftKey || ev.metaKey || ev.ctrlKey); }
    drag = null;
  });
  canvas.addEventListener("mousemove", function (ev) {
    if (drag) {
      if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) drag.moved = true;
      view.x = drag.vx + ev.clientX - drag.x; view.y = drag.vy + ev.clientY - drag.y; draw(); return;
    }
    const i = at(ev);
    if (i !== hover) { hover = i; draw(); }
    if (i >= 0) {
      const n = nodes[i], r = wrap.getBoundingClientRect();
      tip.hidden = false; tip.style.left = (ev.clientX - r.left + 12) + "px"; tip.style.top = (ev.clientY - r.top + 12) + "px";
      tip.textContent = n.key + " (" + n.kind + ", group " + n.group + "): " + n.state + (n.reason ? " — " + n.reason : "");
    } else tip.hidden = true;
  });
  canvas.addEventListener("dblclick", function (ev) { const i = at(ev); if (i >= 0) window.location = "/assets/" + nodes[i].key; });
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    const r = canvas.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
    const k = Math.min(3, Math.max(0.05, view.k * Math.exp(-ev.deltaY * 0.0015)));
    view.x = mx - (mx - view.x) * k / view.k; view.y = my - (my - view.y) * k / view.k; view.k = k; draw();
  }, {passive: false});
  search.addEventListener("input", filter);
  document.getElementById("clear-selection").addEventListener("click", function () { selected.clear(); updateBar(); draw(); });
  document.getElementById("select-all-matches").addEventListener("click", function () { matches.forEach(function (i) { selected.add(i); }); updateBar(); draw(); });
  /* After a launch, the states are read again every 2 s until nothing runs (and 10 s passed). */
  let polling = null, launchedAt = 0;
  function poll() {
    if (polling) return;
    polling = setInterval(async function () {
      const response = await fetch(canvas.dataset.graphUrl, {credentials: "same-origin"});
      if (!response.ok) return;
      const g = await response.json(), byKey = new Map(g.nodes.map(function (n) { return [n.key, n]; }));
      let running = false;
      nodes.forEach(function (n) {
        const fresh = byKey.get(n.key);
        if (fresh) { n.state = fresh.state; n.reason = fresh.reason; }
        if (n.state === "running") running = true;
      });
      document.querySelectorAll("#asset-list tr.asset-row").forEach(function (tr) {
        const fresh = byKey.get(tr.dataset.key), badge = tr.querySelector(".badge");
        if (fresh && badge) { badge.textContent = fresh.state; badge.className = "badge s-" + fresh.state.replace(/ /g, "-"); }
      });
      draw();
      if (!running && Date.now() - launchedAt > 10000) { clearInterval(polling); polling = null; }
    }, 2000);
  }
  button.addEventListener("click", async function () {
    const keys = Array.from(selected).map(function (i) { return nodes[i].key; });
    button.disabled = true; result.textContent = "launching…"; result.className = "muted";
    try {
      const run = await headwater.post("/api/runs", {selection: keys.join(",")});
      result.innerHTML = ""; const a = document.createElement("a"); a.href = "/runs/" + run.run_id; a.id = "launched-run";
      a.textContent = "run " + run.run_id.slice(0, 8) + " " + run.status; result.appendChild(a);
      launchedAt = Date.now(); poll();
    } catch (err) { result.textContent = err.message; result.className = "error"; }
    button.disabled = selected.size === 0;
  });
  window.addEventListener("resize", resize);
  document.querySelectorAll(".search-group").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); search.value = "group:" + a.dataset.group; filter(); });
  });
  const embedded = document.getElementById("graph-data");
  const loaded = embedded ? Promise.resolve(JSON.parse(embedded.textContent)) : fetch(canvas.dataset.graphUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); });
  loaded.then(function (g) {
    nodes = g.nodes; edges = g.edges; index = new Map();
    nodes.forEach(function (n, i) { index.set(n.layer + ":" + n.row, i); });
    let layers = 1, rows = 1;
    nodes.forEach(function (n) { layers = Math.max(layers, n.layer + 1); rows = Math.max(rows, n.row + 1); });
    view.k = Math.max(0.05, Math.min(1, (wrap.clientWidth - 40) / (layers * COL), (wrap.clientHeight - 40) / (rows * ROW)));
    window.headwaterGraph = {nodes: nodes, edges: edges, selected: selected};
    resize();
    if (search.value) filter();
    canvas.dataset.ready = "true";
  });
})();
