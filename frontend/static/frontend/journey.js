// Keeps a consultation page's journey map live (frontend/includes/journey_map.html) with the
// journey.stage_changed events of the consultation stream, which live.js passes on (LIVE_EVENT). A stage's
// row of the drawing and of the table is redrawn in place, with the scale the drawing carries in its data-
// attributes (frontend/journey_map.py draws it the same way); a stage that reaches five check-ins shows its
// figures there, one that falls below hides them again. The breaking-point sentence is rebuilt from the
// stage names already on the page, with textContent only. When a snapshot says a stage changed since the
// page was drawn (the page loaded before the socket opened, or it was away), the section is read again
// from the server. Announcements go through the page's polite region, queued under one key, so a rush of
// check-ins says one thing every few seconds.

import { ANNOUNCE_EVENT, LIVE_EVENT, REFETCH_JITTER_MS, format, readJson } from "./shared.js";

const ANNOUNCE_KEY = "journey";

const root = document.documentElement;

const numbers = (() => {
  try {
    return new Intl.NumberFormat(root.lang || undefined, { maximumFractionDigits: 1 });
  } catch {
    return new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
  }
})();

// As frontend.journey_map.number: one decimal only when there is one, grouped as the server groups.
function number(value) {
  return numbers.format(Math.round(value * 10) / 10);
}

// As frontend.journey_map.coordinate: two decimals at most, "312" rather than "312.0".
function coordinate(value) {
  return String(Math.round(value * 100) / 100);
}

class JourneyMap {
  constructor(config) {
    this.config = config;
    this.inFlight = null; // while a fresh copy is on its way: stage id -> the newest event heard meanwhile
    this.refetching = null;
  }

  get section() {
    return document.querySelector('[data-role="journey-map"]');
  }

  row(stage) {
    return this.section?.querySelector(`tr[data-stage="${CSS.escape(String(stage))}"]`) ?? null;
  }

  words(value, labels) {
    if (Number.isInteger(value)) return `${number(value)} – ${labels[value]}`;
    const lower = Math.floor(value);
    return format(this.config.t.between, { number: number(value), lower: labels[lower], upper: labels[lower + 1] });
  }

  percent(share) {
    return format(this.config.t.percent, { percent: number(Math.round(share * 100)) });
  }

  // Applies an event if it is newer than what the stage shows. True when something a reader sees changed.
  apply(event) {
    const section = this.section;
    const row = this.row(event.stage);
    if (!section || !row || event.version <= Number(row.dataset.version || 0)) return false;
    const before = this.shownText(section, row);
    row.dataset.version = String(event.version);
    section.dataset.version = String(
      [...section.querySelectorAll("tr[data-stage]")].reduce((sum, tr) => sum + Number(tr.dataset.version || 0), 0),
    );
    const figures = event.figures;
    this.renderRow(row, figures);
    this.renderDrawing(section, event.stage, figures);
    return this.shownText(section, row) !== before;
  }

  // What a stage's rows say, to tell a change a reader sees from a new version that changes nothing (a
  // withheld stage's third check-in, a story edited).
  shownText(section, row) {
    const cells = [...row.querySelectorAll("td:not([hidden])")].map((cell) => cell.textContent);
    const group = section.querySelector(`g[data-stage="${CSS.escape(row.dataset.stage)}"]`);
    const drawn = group ? [...group.querySelectorAll("rect, text")].map((e) => `${e.getAttribute("width")}|${e.getAttribute("display")}|${e.textContent}`) : [];
    return JSON.stringify([cells, drawn]);
  }

  renderRow(row, figures) {
    const cell = (role) => row.querySelector(`[data-role="${role}"]`);
    const shown = figures !== null;
    for (const role of ["checkins", "frustration", "motivation", "gave-up"]) {
      cell(role).hidden = !shown;
      if (!shown) cell(role).textContent = ""; // nothing of a withheld stage stays on the page
    }
    cell("withheld").hidden = shown;
    row.dataset.overtakes = shown && figures.frustration_overtakes ? "true" : "false";
    if (!shown) return;
    cell("checkins").textContent = number(figures.checkins);
    cell("frustration").textContent = this.words(figures.frustration_median, this.config.frustration);
    cell("motivation").textContent = this.words(figures.motivation_median, this.config.motivation);
    cell("gave-up").textContent = this.percent(figures.gave_up_share);
  }

  renderDrawing(section, stage, figures) {
    const svg = section.querySelector('[data-role="journey-chart"]');
    const group = svg?.querySelector(`g[data-stage="${CSS.escape(String(stage))}"]`);
    if (!group) return;
    const part = (role) => group.querySelector(`[data-role="${role}"]`);
    const show = (element, visible) => {
      if (visible) element.removeAttribute("display");
      else element.setAttribute("display", "none");
    };
    show(part("figures"), figures !== null);
    show(part("withheld-label"), figures === null);
    if (figures === null) {
      for (const role of ["frustration-label", "motivation-label", "gave-up-label"]) part(role).textContent = "";
      return;
    }
    const unit = Number(svg.dataset.unit);
    const barX = Number(svg.dataset.barX);
    const gap = Number(svg.dataset.labelGap);
    const t = this.config.t;
    for (const [name, value] of [
      ["frustration", figures.frustration_median],
      ["motivation", figures.motivation_median],
    ]) {
      const width = Number(coordinate(value * unit));
      part(`${name}-bar`).setAttribute("width", coordinate(width));
      const label = part(`${name}-label`);
      label.setAttribute("x", coordinate(barX + width + gap));
      label.textContent = format(t[name], { number: number(value) });
    }
    part("gave-up-label").textContent = format(t.gave_up, { share: this.percent(figures.gave_up_share) });
  }

  // The first stage, in journey order, shown and with frustration over motivation; its name from the page.
  renderBreakingPoint() {
    const section = this.section;
    if (!section) return null;
    const rows = [...section.querySelectorAll("tr[data-stage]")];
    const breaking = rows.find((row) => row.dataset.overtakes === "true") ?? null;
    for (const row of rows) {
      const breaks = row === breaking;
      row.dataset.breaks = breaks ? "true" : "false";
      row.querySelector('[data-role="break-badge"]').hidden = !breaks;
      const group = section.querySelector(`g[data-stage="${CSS.escape(row.dataset.stage)}"]`);
      for (const role of ["break-frame", "break-label"]) {
        const element = group?.querySelector(`[data-role="${role}"]`);
        if (!element) continue;
        if (breaks) element.removeAttribute("display");
        else element.setAttribute("display", "none");
      }
    }
    const sentence = breaking
      ? format(this.config.t.breaks, { stage: breaking.querySelector('[data-role="stage-name"]').textContent })
      : this.config.t.no_break;
    const shown = section.querySelector('[data-role="journey-break"]');
    const changed = shown.textContent !== sentence;
    shown.textContent = sentence;
    return changed ? sentence : null;
  }

  handle(event) {
    if (event.type === "journey.stage_changed") {
      const known = this.inFlight?.get(event.stage);
      if (this.inFlight && (!known || known.version < event.version)) this.inFlight.set(event.stage, event);
      if (!this.apply(event)) return;
      const sentence = this.renderBreakingPoint();
      const row = this.row(event.stage);
      const name = row?.querySelector('[data-role="stage-name"]')?.textContent ?? "";
      this.announce(sentence ?? format(this.config.t.changed, { stage: name }));
    } else if (event.type === "snapshot") {
      // The page may have missed changes: before its socket opened, or while it was away. The snapshot
      // gives the version of each stage shown; a stage it leaves out has gone below five check-ins.
      const versions = new Map((event.stages || []).map((stage) => [String(stage.id), stage.version]));
      const missed = [...(this.section?.querySelectorAll("tr[data-stage]") ?? [])].some((row) => {
        const shown = row.querySelector('[data-role="withheld"]').hidden;
        const version = versions.get(row.dataset.stage);
        if (version === undefined) return shown;
        return version > Number(row.dataset.version || 0);
      });
      if (missed) this.refetch(event.reconnected ? Math.random() * REFETCH_JITTER_MS : 0);
    }
  }

  announce(text) {
    document.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: { text, key: ANNOUNCE_KEY } }));
  }

  refetch(delay) {
    if (this.refetching) return;
    this.refetching = setTimeout(() => this.load().finally(() => (this.refetching = null)), delay);
  }

  async load() {
    const shown = this.section;
    if (!shown) return;
    this.inFlight = new Map();
    try {
      const response = await fetch(`${this.config.url}?version=${shown.dataset.version || 0}`, {
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const html = await response.text();
      const fresh = new DOMParser().parseFromString(html, "text/html").querySelector('[data-role="journey-map"]');
      if (!fresh || !document.contains(shown)) return;
      // Keep the reader where they were: on the same link, or on the table they were scrolling.
      const focused = shown.contains(document.activeElement) ? document.activeElement : null;
      const href = focused?.getAttribute("href");
      shown.replaceWith(fresh);
      // Events heard while the copy was on its way may be newer than it (never those heard before: the
      // copy is newer than they are, a stage gone below five included).
      for (const event of this.inFlight.values()) this.apply(event);
      this.renderBreakingPoint();
      if (focused) {
        const target = (href && fresh.querySelector(`a[href="${CSS.escape(href)}"]`)) || fresh.querySelector('[role="region"]');
        target?.focus();
      }
    } catch {
      // Offline: the next snapshot (after the reconnection) tries again.
    } finally {
      this.inFlight = null;
    }
  }
}

function start() {
  const config = readJson("journey-config");
  if (!config || !document.querySelector('[data-role="journey-map"]')) return;
  const map = new JourneyMap(config);
  document.addEventListener(LIVE_EVENT, (event) => map.handle(event.detail));
}

start();
