/* Headwater: what several pages share. Plain JavaScript, no library. */
"use strict";
window.headwater = {
  csrf: function () { return document.querySelector('meta[name="csrf-token"]').content; },
  /* POST JSON to the API with the CSRF header; resolves to the parsed answer or throws its detail. */
  post: async function (url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": headwater.csrf()},
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail || response.statusText);
      throw new Error(detail);
    }
    return data;
  },
};
