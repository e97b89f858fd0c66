// colorize-review: the gallery (worst first, loaded page by page) and one photo's hints editor.
"use strict";

const token = document.querySelector('meta[name="review-token"]').content;
const PAGE = 60;

function api(path, body) {
  const options = { headers: { "X-Review-Token": token } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(path, options).then(async (response) => {
    if (!response.ok) {
      let message = response.statusText;
      try { message = (await response.json()).error; } catch (ignored) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  });
}

function imageUrl(side, path, thumb) {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `/image/${side}/${encoded}` + (thumb ? "?size=thumb" : "");
}

function element(tag, attributes, ...children) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "dataset") Object.assign(made.dataset, value);
    else made.setAttribute(name, value);
  }
  for (const child of children) made.append(child);
  return made;
}

// ---- the gallery ---------------------------------------------------------------------

const gallery = { loaded: 0, total: null, loading: false, savesHints: false };

function describe(item) {
  if (item.status === "failed") return `failed: ${item.reason}: ${item.detail}`;
  if (item.status === "passed_through") return "a color photo, passed through";
  if (item.confidence === undefined) return "confidence unknown";
  return `confidence ${item.confidence.toFixed(2)}`;
}

function card(item) {
  const link = element("a", { href: "#photo=" + encodeURIComponent(item.path) });
  const original = element("img", { src: imageUrl("input", item.path, true), loading: "lazy", alt: "original " + item.path });
  // A file that is not a readable image has no picture: a note takes its place.
  original.addEventListener("error", () => original.replaceWith(element("span", { class: "unreadable" }, "cannot be shown")));
  const pair = element("div", { class: "pair" }, original);
  if (item.status !== "failed") {
    pair.append(element("img", { src: imageUrl("output", item.path, true), loading: "lazy", alt: "colorized " + item.path }));
  }
  link.append(pair, element("span", { class: "name" }, item.path),
    element("span", { class: "note" }, describe(item)));
  if (item.status === "failed") link.removeAttribute("href");
  return element("li", {
    class: "card " + item.status,
    dataset: { path: item.path, status: item.status, confidence: item.confidence ?? "" },
  }, link);
}

async function loadMore() {
  if (gallery.loading || (gallery.total !== null && gallery.loaded >= gallery.total)) return;
  gallery.loading = true;
  document.getElementById("more").hidden = false;
  try {
    const page = await (await api(`/api/gallery?offset=${gallery.loaded}&limit=${PAGE}`)).json();
    gallery.total = page.total;
    gallery.savesHints = page.saves_hints;
    gallery.savesReferences = page.saves_references;
    const cards = document.getElementById("cards");
    for (const item of page.items) cards.append(card(item));
    gallery.loaded += page.items.length;
    const counts = page.counts;
    document.getElementById("summary").textContent =
      `${page.total.toLocaleString()} images: ${(counts.failed || 0).toLocaleString()} failed, ` +
      `${(counts.colorized || 0).toLocaleString()} colorized, least confident first` +
      (gallery.savesHints ? "" : " (read-only: start colorize-review with --hints FILE.csv to save hints)");
    document.body.dataset.galleryLoaded = String(gallery.loaded);
  } catch (error) {
    document.getElementById("summary").textContent = "could not load the run: " + error.message;
  } finally {
    gallery.loading = false;
    document.getElementById("more").hidden = gallery.loaded >= (gallery.total || 0);
  }
}

new IntersectionObserver((seen) => {
  if (seen.some((entry) => entry.isIntersecting)) loadMore();
}, { rootMargin: "800px" }).observe(document.getElementById("more"));

// ---- one photo -------------------------------------------------------------------------

const photo = { path: null, width: 0, height: 0, hints: [], reference: "", selected: -1, version: 0,
  running: false, again: false };

function show(view) {
  document.getElementById("gallery").hidden = view !== "gallery";
  document.getElementById("photo").hidden = view !== "photo";
}

async function openPhoto(path) {
  show("photo");
  const status = document.getElementById("status");
  status.textContent = "";
  const details = await (await api("/api/photo?path=" + encodeURIComponent(path))).json();
  Object.assign(photo, { path, width: details.width, height: details.height, selected: -1,
    hints: details.hints.map((hint) => ({ x: hint.x, y: hint.y, color: hint.color, radius: hint.radius || 0 })),
    reference: details.reference || "" });
  document.getElementById("photo-name").textContent = `${path} (${details.width} x ${details.height})`;
  document.getElementById("original").src = imageUrl("input", path, false);
  const select = document.getElementById("reference");
  select.replaceChildren(element("option", { value: "" }, "none"));
  for (const reference of details.references) select.append(element("option", { value: reference }, reference));
  if (photo.reference && !details.references.includes(photo.reference)) {
    select.append(element("option", { value: photo.reference }, photo.reference));
  }
  select.value = photo.reference;
  document.getElementById("save").disabled = !gallery.savesHints;
  closePicker();
  drawMarkers();
  refreshPreview();
}

function drawMarkers() {
  const layer = document.getElementById("markers");
  layer.replaceChildren();
  photo.hints.forEach((hint, index) => {
    const marker = element("button", { type: "button", class: "marker" + (index === photo.selected ? " selected" : ""),
      title: `hint ${index + 1}: ${hint.color} at ${Math.round(hint.x)}, ${Math.round(hint.y)}`,
      dataset: { index: String(index), color: hint.color } });
    marker.style.left = (100 * hint.x / photo.width) + "%";
    marker.style.top = (100 * hint.y / photo.height) + "%";
    marker.style.backgroundColor = hint.color;
    layer.append(marker);
  });
  document.body.dataset.hints = String(photo.hints.length);
}

function pointOf(event) {
  const box = document.getElementById("stage").getBoundingClientRect();
  const x = Math.min(photo.width - 0.5, Math.max(0, (event.clientX - box.left) / box.width * photo.width));
  const y = Math.min(photo.height - 0.5, Math.max(0, (event.clientY - box.top) / box.height * photo.height));
  return { x, y };
}

async function refreshPreview() {
  if (photo.running) { photo.again = true; return; }
  photo.running = true;
  const note = document.getElementById("preview-note");
  note.textContent = "(coloring\u2026)";
  try {
    do {
      photo.again = false;
      const started = performance.now();
      const response = await api("/api/preview", { path: photo.path, hints: photo.hints, reference: photo.reference });
      const blob = await response.blob();
      if (photo.again) continue;
      const preview = document.getElementById("preview");
      const old = preview.src;
      preview.src = URL.createObjectURL(blob);
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      photo.version += 1;
      preview.dataset.version = String(photo.version);
      const confidence = Number(response.headers.get("X-Confidence"));
      note.textContent = `(confidence ${confidence.toFixed(2)}, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s)`;
    } while (photo.again);
  } catch (error) {
    note.textContent = "(preview failed: " + error.message + ")";
  } finally {
    photo.running = false;
  }
}

async function openPicker(index) {
  photo.selected = index;
  drawMarkers();
  const picker = document.getElementById("picker");
  const list = document.getElementById("suggestions");
  list.replaceChildren(element("span", {}, "asking the model\u2026"));
  picker.hidden = false;
  document.getElementById("custom").value = photo.hints[index].color;
  const hint = photo.hints[index];
  const others = photo.hints.filter((_, other) => other !== index);
  try {
    const { colors } = await (await api("/api/suggest", { path: photo.path, x: hint.x, y: hint.y, hints: others,
      reference: photo.reference })).json();
    list.replaceChildren(...colors.map(([code, share]) => {
      const swatch = element("button", { type: "button", class: "swatch", title: `${code} (${Math.round(share * 100)}%)`,
        dataset: { color: code } });
      swatch.style.backgroundColor = code;
      return swatch;
    }));
    return colors;
  } catch (error) {
    list.replaceChildren(element("span", {}, "no suggestions: " + error.message));
    return [];
  }
}

function closePicker() {
  document.getElementById("picker").hidden = true;
  photo.selected = -1;
  drawMarkers();
}

function setColor(code) {
  if (photo.selected < 0) return;
  photo.hints[photo.selected].color = code;
  drawMarkers();
  refreshPreview();
}

function removeHint(index) {
  if (index < 0) return;
  photo.hints.splice(index, 1);
  closePicker();
  refreshPreview();
}

// Adding, dragging and picking: a press on the photo adds a hint there; a press on a hint
// drags it, and one that does not move opens its colors.
let drag = null;

document.getElementById("stage").addEventListener("pointerdown", async (event) => {
  if (event.button !== 0) return;
  const marker = event.target.closest(".marker");
  if (marker) {
    event.preventDefault();
    drag = { index: Number(marker.dataset.index), moved: false };
    marker.setPointerCapture(event.pointerId);
    return;
  }
  const { x, y } = pointOf(event);
  photo.hints.push({ x, y, color: "#808080", radius: 0 });
  const index = photo.hints.length - 1;
  const colors = await openPicker(index);
  if (colors.length) photo.hints[index].color = colors[0][0];
  drawMarkers();
  refreshPreview();
});

document.getElementById("stage").addEventListener("pointermove", (event) => {
  if (!drag) return;
  const point = pointOf(event);
  Object.assign(photo.hints[drag.index], point);
  drag.moved = true;
  const marker = document.querySelector(`.marker[data-index="${drag.index}"]`);
  marker.style.left = (100 * point.x / photo.width) + "%";
  marker.style.top = (100 * point.y / photo.height) + "%";
});

document.getElementById("stage").addEventListener("pointerup", () => {
  if (!drag) return;
  const { index, moved } = drag;
  drag = null;
  if (moved) { drawMarkers(); refreshPreview(); } else openPicker(index);
});

document.getElementById("suggestions").addEventListener("click", (event) => {
  const swatch = event.target.closest(".swatch");
  if (swatch) setColor(swatch.dataset.color);
});
document.getElementById("custom").addEventListener("change", (event) => setColor(event.target.value));
document.getElementById("delete-hint").addEventListener("click", () => removeHint(photo.selected));
document.getElementById("close-picker").addEventListener("click", closePicker);
document.getElementById("clear").addEventListener("click", () => { photo.hints = []; closePicker(); refreshPreview(); });
document.getElementById("reference").addEventListener("change", (event) => {
  photo.reference = event.target.value;
  refreshPreview();
});
document.addEventListener("keydown", (event) => {
  if ((event.key === "Delete" || event.key === "Backspace") && photo.selected >= 0 &&
      !document.getElementById("photo").hidden && event.target.tagName !== "INPUT") {
    removeHint(photo.selected);
  }
});

document.getElementById("save").addEventListener("click", async () => {
  const status = document.getElementById("status");
  status.textContent = "saving\u2026";
  try {
    const saved = await (await api("/api/save", { path: photo.path, hints: photo.hints, reference: photo.reference })).json();
    status.textContent = `saved ${saved.saved} hint${saved.saved === 1 ? "" : "s"} to ${saved.hints}` +
      (saved.reference ? ` and the reference to ${saved.references}` : "") +
      "; the next colorize run redoes this photo";
    status.dataset.saved = String(saved.saved);
  } catch (error) {
    status.textContent = "not saved: " + error.message;
  }
});

document.getElementById("back").addEventListener("click", () => { location.hash = ""; });

function route() {
  const match = location.hash.match(/^#photo=(.*)$/);
  if (match) openPhoto(decodeURIComponent(match[1])).catch((error) => {
    document.getElementById("status").textContent = "could not open it: " + error.message;
  });
  else show("gallery");
}

window.addEventListener("hashchange", route);
loadMore().then(route);
