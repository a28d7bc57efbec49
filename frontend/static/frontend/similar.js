// Shows the consultation's published proposals that resemble the draft while a citizen writes it, each with
// a Support button, so that people back an existing idea rather than split its support with a duplicate.
// Plain ES module, no build step, loaded on the submission page only; its strings and URLs come from the
// "similar-config" json_script block (frontend.pages.similar_config). Without it the form is unchanged.
//
// Everything the API returns is text written by citizens: it is put in the page with textContent only.

import { ANNOUNCE_EVENT, csrfToken, errorMessage, format, plural, readJson } from "./shared.js";

const DEBOUNCE_MS = 400;

function announce(text) {
  document.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: { text } }));
}

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function letters(text) {
  return (text.match(/\p{L}/gu) || []).length;
}

// Characters as people count them: an emoji cut in half would be sent as a broken surrogate.
function cut(text, max) {
  const characters = [...text];
  return characters.length > max ? characters.slice(0, max).join("") : text;
}

class SimilarProposals {
  constructor(form, region, config) {
    this.form = form;
    this.region = region;
    this.list = region.querySelector('[data-role="similar-list"]');
    this.config = config;
    this.title = form.elements.namedItem("title");
    this.summary = form.elements.namedItem("summary");
    this.timer = null;
    this.controller = null;
    this.lastQuery = null; // the text last asked about: unchanged text is not asked again
    this.lastAnnounced = null; // the suggestions last announced
    this.pausedUntil = 0; // no asking before this time (ms), after a 503
  }

  pause(retryAfter) {
    const seconds = Number.parseInt(retryAfter, 10);
    this.pausedUntil = Date.now() + 1000 * (Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 300) : 60);
    this.lastQuery = null; // once the pause is over, the same text is asked again
  }

  listen() {
    for (const input of [this.title, this.summary]) {
      if (input) input.addEventListener("input", () => this.schedule());
    }
    // A draft given back by the server after an error, or restored by the browser, gets its suggestions too.
    if (this.title.value) this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settle(), DEBOUNCE_MS);
  }

  query() {
    const clean = (input, max) => (input ? cut(input.value.replace(/\s+/g, " ").trim(), max) : "");
    return { title: clean(this.title, this.config.title_max), summary: clean(this.summary, this.config.summary_max) };
  }

  settle() {
    const query = this.query();
    if (letters(query.title) < this.config.min_letters) {
      this.abort();
      this.lastQuery = null;
      this.show([]);
      return;
    }
    const key = JSON.stringify(query);
    if (key === this.lastQuery || Date.now() < this.pausedUntil) return;
    this.lastQuery = key;
    this.fetch(query);
  }

  abort() {
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  async fetch(query) {
    this.abort();
    const controller = new AbortController();
    this.controller = controller;
    const params = new URLSearchParams({
      consultation: String(this.config.consultation),
      title: query.title,
      summary: query.summary,
      limit: String(this.config.limit),
    });
    let proposals;
    try {
      const response = await fetch(`${this.config.similar_url}?${params}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (response.status === 503) {
        // Search is down for a while: drop suggestions made for an older text, and stay quiet until the
        // server's Retry-After has passed rather than asking again at every pause in the typing.
        this.pause(response.headers.get("Retry-After"));
        this.show([]);
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      proposals = await response.json();
    } catch {
      if (controller.signal.aborted) return; // a newer text is being asked about
      // Suggestions are a help, not a step: on failure the form simply goes on without them, and the same
      // text may be asked again.
      if (this.controller === controller) this.lastQuery = null;
      return;
    } finally {
      if (this.controller === controller) this.controller = null;
    }
    if (controller.signal.aborted) return;
    this.show(proposals);
  }

  show(proposals) {
    const ids = proposals.map((proposal) => proposal.id).join(",");
    if (ids === this.list.dataset.ids) return; // the same suggestions: keep them, and any button's state
    const focused = this.region.contains(document.activeElement) ? document.activeElement.closest("li") : null;
    if (focused && !ids.split(",").includes(focused.dataset.proposalId)) {
      this.title.focus(); // the focused suggestion is going away: do not drop focus to the page
    }
    const kept = new Map([...this.list.children].map((item) => [item.dataset.proposalId, item]));
    this.list.replaceChildren(...proposals.map((p) => kept.get(String(p.id)) || this.item(p)));
    this.list.dataset.ids = ids;
    this.region.hidden = proposals.length === 0;
    // Suggestions that come or go move what follows them (the submit button): whatever has focus there
    // stays on the screen, a phone's especially.
    const active = document.activeElement;
    const after = active && this.region.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING;
    if (after && active !== document.body) active.scrollIntoView({ block: "nearest" });
    if (proposals.length && ids !== this.lastAnnounced) {
      this.lastAnnounced = ids;
      announce(format(plural(this.config.t.found, proposals.length), { count: proposals.length }));
    } else if (!proposals.length) {
      this.lastAnnounced = null;
    }
  }

  item(proposal) {
    const { config } = this;
    const id = String(proposal.id);
    const item = make("li", "similar__item");
    item.dataset.proposalId = id;

    const heading = make("h3", "similar__name");
    const link = make("a", "", proposal.title);
    link.href = proposal.url;
    // A new tab, so that reading the proposal does not lose the draft being written here.
    link.target = "_blank";
    link.rel = "noopener";
    link.append(make("span", "visually-hidden", ` ${config.t.new_tab}`));
    heading.append(link);
    item.append(heading);

    const meta = make("p", "similar__meta");
    const status = make("span", `badge badge--${proposal.status}`, config.status_labels[proposal.status] || proposal.status);
    const supports = make("span", "similar__supports");
    const count = make("span", "similar__count", String(proposal.supports));
    count.dataset.role = "supports-count";
    const label = make("span", "", ` ${plural(config.supports_label, proposal.supports)}`);
    label.dataset.role = "supports-label";
    supports.append(count, label);
    meta.append(status, " ", supports);
    item.append(meta);

    const actions = make("p", "similar__actions");
    // type="button": inside the submission form, it must never submit the draft.
    const button = make("button", "button button--small");
    button.type = "button";
    const buttonLabel = make("span", "", config.t.support);
    buttonLabel.dataset.role = "button-label";
    const quoted = format(config.t.quoted_title, { title: proposal.title }); // « … » in French
    button.append(buttonLabel, make("span", "visually-hidden", ` ${quoted}`));
    const error = make("span", "similar__error");
    error.hidden = true;
    button.addEventListener("click", () => this.support(item, button, error));
    actions.append(button, error);
    item.append(actions);
    return item;
  }

  async support(item, button, error) {
    // Not `disabled`: that would drop keyboard focus from the button.
    if (button.getAttribute("aria-busy") === "true" || button.dataset.supported === "true") return;
    const { config } = this;
    button.setAttribute("aria-busy", "true");
    error.hidden = true;
    try {
      const response = await fetch(config.support_url.replace("/0/", `/${item.dataset.proposalId}/`), {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(this.form) },
        credentials: "same-origin",
      });
      if (!response.ok) {
        this.fail(error, await errorMessage(response, config.t.error));
        return;
      }
      const state = await response.json();
      button.dataset.supported = "true";
      button.setAttribute("aria-disabled", "true");
      button.classList.add("button--secondary");
      button.querySelector('[data-role="button-label"]').textContent = config.t.supported;
      item.querySelector('[data-role="supports-count"]').textContent = String(state.supports);
      item.querySelector('[data-role="supports-label"]').textContent = ` ${plural(config.supports_label, state.supports)}`;
      announce(config.t.added);
    } catch {
      this.fail(error, config.t.offline);
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  fail(error, text) {
    error.textContent = text;
    error.hidden = false;
    announce(text);
  }
}

function start() {
  const config = readJson("similar-config");
  const region = document.querySelector("[data-similar]");
  const form = region && region.closest("form");
  if (!config || !form || !form.elements.namedItem("title")) return;
  new SimilarProposals(form, region, config).listen();
}

start();
