// Keeps consultation and proposal pages live, enhances the support forms and counts characters in the
// comment forms; it also starts the polite live region, which other modules speak through (see start).
// Plain ES module, no build step; its data comes from json_script blocks and data
// attributes, so it runs under a strict Content-Security-Policy. Every form works without it.
//
// The stream carries absolute state (see proposals/live/events.py): applying an event twice, or after a
// newer one, never leaves the page wrong. Events sent while the socket was away are lost, so a page reads
// its proposals again over REST when the snapshot says it may have missed one: see LiveStream.receive.

import { LIVE_EVENT, REFETCH_JITTER_MS, csrfToken, enhanceCounters, errorMessage, format, formatDate, plural, readJson, startAnnouncer } from "./shared.js";

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30000;
const CLOSE_NOT_FOUND = 4404; // the consultation does not exist (any more): reconnecting cannot help
const CLOSE_EVENTS_LOST = 1013; // the server lost events of this stream (proposals/live/subscriptions.py)
const SNAPSHOT_LIMIT = 500; // proposals.live.consumers.SNAPSHOT_LIMIT

const root = document.documentElement;

function urlFor(pattern, id) {
  // The patterns are reversed with the id 0: "/proposals/0/support/".
  return pattern.replace("/0/", `/${id}/`);
}

/* ---------------------------------------------------------------- rendering proposal state */

// The plural category of a number in the page's language: French says "0 soutien", English "0 supports".
function supportsLabel(config, count) {
  return plural(config.supports_label, count);
}

function flash(element) {
  element.classList.remove("count-changed");
  void element.offsetWidth; // restart the animation
  element.classList.add("count-changed");
}

// Sets the count of every element showing this proposal unless it already shows a newer version.
// Returns true when something changed.
function applySupports(config, id, supports, version) {
  let changed = false;
  for (const holder of document.querySelectorAll(`[data-proposal-id="${id}"]`)) {
    const shown = Number(holder.dataset.version || 0);
    if (version !== undefined && version < shown) continue;
    if (version !== undefined) holder.dataset.version = String(version);
    const count = holder.querySelector('[data-role="supports-count"]');
    if (!count || count.textContent === String(supports)) continue;
    count.textContent = String(supports);
    flash(count);
    const label = holder.querySelector('[data-role="supports-label"]');
    if (label) label.textContent = supportsLabel(config, supports);
    renderProgress(config, holder, supports);
    changed = true;
  }
  return changed;
}

// Progress towards the threshold as frontend/includes/threshold.html renders it: the bar stops at the
// threshold, and the words say it is reached once the count gets there (a threshold lowered below the
// count, or the moment before the threshold event replaces the block with the promise).
function renderProgress(config, holder, supports) {
  const progress = holder.querySelector('[data-role="supports-progress"]');
  const text = holder.querySelector('[data-role="threshold-text"]');
  if (!progress || !text) return;
  const threshold = Number(progress.max);
  const met = supports >= threshold;
  progress.value = Math.min(supports, threshold);
  text.dataset.state = met ? "met" : "progress";
  // "Threshold reached: 30 supports" agrees with the count; "3 of 10 supports" with the threshold.
  const message = met ? plural(config.t.threshold_met, supports) : plural(config.t.threshold_progress, threshold);
  text.textContent = format(message, { count: supports, threshold });
}

// The label in the page's language: an event's own label is in the language of whoever caused it.
function statusLabel(config, status, fallback) {
  return config.status_labels[status] || fallback || status;
}

function applyStatus(id, status, label) {
  let changed = false;
  for (const holder of document.querySelectorAll(`[data-proposal-id="${id}"]`)) {
    const badge = holder.querySelector('[data-role="status"]');
    if (!badge || badge.textContent === label) continue;
    badge.textContent = label;
    badge.className = `badge badge--${status}`;
    changed = true;
  }
  return changed;
}

// `text` with a <time> element where the translation puts "%(date)s": "Published on %(date)s".
function withDate(config, text, iso) {
  const time = document.createElement("time");
  time.dateTime = iso;
  time.textContent = formatDate(config.date, iso);
  const [before, after = ""] = text.split("%(date)s");
  return [before, time, after];
}

// The petition promise once made: the markup of frontend/includes/threshold.html for a promise due,
// overdue or answered (`state` as the API gives it), in place of the progress, which no longer applies.
// Returns true when the block changed.
function renderThreshold(config, holder, state) {
  const block = holder.querySelector('[data-role="threshold"]');
  const t = config.t;
  let kind, iso;
  if (state.responded_at) [kind, iso] = ["answered", state.responded_at];
  else if (state.response_due_at) {
    const overdue = state.overdue ?? new Date(state.response_due_at) <= new Date();
    [kind, iso] = [overdue ? "overdue" : "due", state.response_due_at];
  }
  if (!block || !kind) return false;
  const shown = block.querySelector("[data-state]");
  if (shown && shown.dataset.state === kind) return false;
  const p = document.createElement("p");
  p.className = `threshold__state threshold__state--${kind}`;
  p.dataset.state = kind;
  const mark = (text) => {
    const span = document.createElement("span");
    span.className = "threshold__mark";
    span.setAttribute("aria-hidden", "true");
    span.textContent = text;
    p.append(span, " ");
  };
  if (kind === "answered") {
    mark("✓");
    p.append(...withDate(config, t.threshold_answered, iso));
  } else if (kind === "overdue") {
    mark("!");
    const label = document.createElement("strong");
    label.textContent = t.threshold_overdue_label;
    p.append(label, " ", ...withDate(config, t.threshold_overdue, iso));
  } else {
    p.append(...withDate(config, t.threshold_due, iso));
  }
  block.replaceChildren(p);
  return true;
}

// The threshold reached: status and deadline at once, said in one polite message under `key` (the key of
// the status change's message, which it replaces: the status event that follows changes nothing). It
// states the count too, so the count's message just before it (`countKey`) need not be said.
function applyThresholdReached(config, announcer, event, key, countKey) {
  const status = statusLabel(config, event.status, event.status_label);
  applyStatus(event.proposal, event.status, status);
  let changed = false;
  for (const holder of document.querySelectorAll(`[data-proposal-id="${event.proposal}"]`)) {
    changed = renderThreshold(config, holder, { response_due_at: event.response_due_at }) || changed;
  }
  if (!changed) return;
  const text = format(plural(config.t.threshold_reached, event.threshold), {
    title: titleOf(event.proposal),
    count: event.threshold,
    date: formatDate(config.date, event.response_due_at),
  });
  if (countKey) announcer.drop(countKey);
  announcer.queue(key, text);
}

// The promise withdrawn (supports set aside): the progress comes back where the deadline was, with the
// count the supports left make, and the new status; said once under `key`, in place of the status change's
// message. A promise already answered stays "Answered on": the response stands.
function applyThresholdWithdrawn(config, announcer, event, key, countKey) {
  applyStatus(event.proposal, event.status, statusLabel(config, event.status, event.status_label));
  let changed = false;
  for (const holder of document.querySelectorAll(`[data-proposal-id="${event.proposal}"]`)) {
    const block = holder.querySelector('[data-role="threshold"]');
    const shown = block && block.querySelector("[data-state]");
    if (!block || (shown && !["due", "overdue"].includes(shown.dataset.state))) continue;
    const id = `threshold-${event.proposal}-text`;
    const progress = document.createElement("progress");
    progress.className = "supports__progress";
    progress.dataset.role = "supports-progress";
    progress.max = event.threshold;
    progress.setAttribute("aria-labelledby", id);
    const text = document.createElement("p");
    text.className = "threshold__text";
    text.id = id;
    text.dataset.role = "threshold-text";
    block.replaceChildren(progress, text);
    renderProgress(config, holder, event.supports);
    changed = true;
  }
  if (!changed) return;
  if (countKey) announcer.drop(countKey);
  announcer.queue(key, format(config.t.threshold_withdrawn, { title: titleOf(event.proposal) }));
}

function titleOf(id) {
  const holder = document.querySelector(`[data-proposal-id="${id}"]`);
  if (!holder) return "";
  const title = holder.querySelector('[data-role="title"]') || holder.querySelector("h1");
  return title ? title.textContent.trim() : "";
}

// A proposal's title and summary as its author edited them (proposal.edited), on its card or its page: the
// text only, never markup. Whether anything changed.
function applyText(id, title, summary) {
  const holder = document.querySelector(`[data-proposal-id="${id}"]`);
  if (!holder) return false;
  const titleEl = holder.querySelector('[data-role="title"]') || holder.querySelector("h1");
  const summaryEl = holder.querySelector('[data-role="summary"]');
  let changed = false;
  for (const [element, text] of [[titleEl, title], [summaryEl, summary]]) {
    if (element && element.textContent !== text) {
      element.textContent = text;
      changed = true;
    }
  }
  return changed;
}

// Its author withdrew the proposal (proposal.withdrawn): marked, and a support control that would give a new
// support is replaced by the note that it takes none (a support already given may still be withdrawn).
// Whether it was news to this page.
function applyWithdrawn(config, id, reason) {
  const holder = document.querySelector(`[data-proposal-id="${id}"]`);
  const marker = holder && holder.querySelector('[data-role="withdrawn"], [data-role="withdrawn-notice"]');
  if (!marker || !marker.hidden) return false;
  marker.hidden = false;
  const reasonText = marker.querySelector('[data-role="withdrawal-reason"]');
  if (reasonText) {
    marker.querySelector("h2").textContent = config.t.withdrawn_heading;
    marker.querySelector("p").textContent = config.t.this_withdrawn;
    marker.querySelector("strong").textContent = config.t.reason_given;
    reasonText.textContent = reason;
  }
  for (const form of holder.querySelectorAll('form[data-support-form][data-supported="false"]')) {
    const note = document.createElement("p");
    note.className = "support-note";
    note.textContent = config.t.no_new_supports;
    form.replaceWith(note);
  }
  return true;
}

function setSupported(form, supported, config) {
  const id = form.closest("[data-proposal-id]").dataset.proposalId;
  form.dataset.supported = String(supported);
  form.action = urlFor(supported ? config.withdraw_url : config.support_url, id);
  const button = form.querySelector('button[type="submit"]');
  button.classList.toggle("button--secondary", supported);
  button.querySelector('[data-role="button-label"]').textContent = supported
    ? form.dataset.labelWithdraw
    : form.dataset.labelSupport;
}

// Supporting follows the proposal (votes.services.support_add) and withdrawing leaves following as it
// was, so after a support the follow form (frontend/includes/follow_form.html) shows what a reload would.
function showFollowing(holder, config) {
  const form = holder.querySelector("form[data-follow-form]");
  if (!form || form.dataset.following === "true") return;
  form.dataset.following = "true";
  form.action = urlFor(config.unfollow_url, holder.dataset.proposalId);
  form.querySelector('[data-role="follow-state"]').hidden = false;
  form.querySelector('[data-role="follow-label"]').textContent = config.t.stop_following;
}

/* ---------------------------------------------------------------- the list page */

class ListPage {
  generationKind = "list"; // what it shows moves the consultation's list generation (cocreate/page_cache.py)

  constructor(container, config, announcer) {
    this.config = config;
    this.announcer = announcer;
    this.consultation = container.dataset.liveConsultation;
    this.list = container.querySelector('[data-role="proposal-list"]');
    this.empty = container.querySelector('[data-role="empty"]');
    this.template = document.getElementById("proposal-card-template");
    this.filter = readJson("live-filter") || {};
  }

  cards() {
    return [...this.list.querySelectorAll(".proposal-card[data-proposal-id]")];
  }

  card(id) {
    return this.list.querySelector(`.proposal-card[data-proposal-id="${id}"]`);
  }

  belongsHere(proposal) {
    const filter = this.filter;
    if (!filter.first_page) return false;
    if (filter.status && proposal.status !== filter.status) return false;
    if (filter.category && proposal.category_slug !== filter.category) return false;
    if (filter.stage && proposal.stage_slug !== filter.stage) return false;
    if (filter.area && proposal.area_id !== filter.area) return false;
    return true;
  }

  buildCard(proposal) {
    const card = this.template.content.firstElementChild.cloneNode(true);
    const id = String(proposal.id);
    card.dataset.proposalId = id;
    card.dataset.version = String(proposal.version ?? 0);
    const titleId = `proposal-${id}-title`;
    card.setAttribute("aria-labelledby", titleId);
    card.querySelector(".proposal-card__title").id = titleId;
    const title = card.querySelector('[data-role="title"]');
    title.textContent = proposal.title;
    title.href = proposal.url || urlFor(this.config.detail_url, id);
    card.querySelector('[data-role="summary"]').textContent = proposal.summary || "";
    const category = card.querySelector('[data-role="category"]');
    // Named as the page's category filter names it, in the reader's language; the event's name is the
    // original's.
    const categoryName =
      proposal.category_name ?? (this.categoryName(proposal.category_slug) || proposal.category);
    category.textContent = categoryName || "";
    category.hidden = !categoryName;
    // The stage as well, named as the page's stage filter names it (the event's name is the original's).
    const stage = card.querySelector('[data-role="stage"]');
    const stageName = proposal.stage_name ?? (this.optionName("stage", proposal.stage_slug) || proposal.stage);
    stage.querySelector('[data-role="stage-name"]').textContent = stageName || "";
    stage.hidden = !stageName;
    const badge = card.querySelector('[data-role="status"]');
    badge.textContent = statusLabel(this.config, proposal.status, proposal.status_label);
    badge.className = `badge badge--${proposal.status}`;
    card.querySelector('[data-role="supports-count"]').textContent = String(proposal.supports);
    card.querySelector('[data-role="supports-label"]').textContent = supportsLabel(this.config, proposal.supports);
    // The template's progress towards the threshold: this card's count, and ids of its own.
    const towards = card.querySelector('[data-role="threshold-text"]');
    if (towards) {
      towards.id = `threshold-${id}-text`;
      card.querySelector('[data-role="supports-progress"]').setAttribute("aria-labelledby", towards.id);
      renderProgress(this.config, card, proposal.supports);
    }
    renderThreshold(this.config, card, proposal);
    // A visitor's form asks the sign-in page and keeps its action; a citizen's posts for this proposal.
    const form = card.querySelector("form[data-support-form]");
    if (form) form.action = urlFor(form.dataset.supported === "true" ? this.config.withdraw_url : this.config.support_url, id);
    const hidden = card.querySelector('.support-form [data-role="button-title"]');
    if (hidden) hidden.textContent = ` ${format(this.config.t.quoted_title, { title: proposal.title })}`;
    return card;
  }

  // Where a card goes in the list as ordered on the page, or null when it belongs on a later page.
  placeFor(proposal) {
    const cards = this.cards();
    if (this.filter.ordering === "-created") return cards[0] || "end";
    const later = cards.find((card) => {
      const count = Number(card.querySelector('[data-role="supports-count"]').textContent);
      return count < proposal.supports;
    });
    if (later) return later;
    return cards.length < (this.filter.page_size || 20) ? "end" : null;
  }

  insert(proposal) {
    if (this.card(proposal.id) || !this.belongsHere(proposal)) return false;
    const place = this.placeFor(proposal);
    if (place === null) return false;
    const card = this.buildCard(proposal);
    card.classList.add("proposal-card--new");
    if (place === "end") this.list.append(card);
    else this.list.insertBefore(card, place);
    enhanceSupportForms(card, this.config, this.announcer);
    // Keep one page's worth: the last card has moved to the next page.
    const cards = this.cards();
    if (cards.length > (this.filter.page_size || 20)) cards[cards.length - 1].remove();
    this.updateEmpty();
    return true;
  }

  remove(id) {
    const card = this.card(id);
    if (!card) return false;
    // Keep keyboard users in the list rather than dropping them at the top of the page.
    if (card.contains(document.activeElement)) {
      const next = card.nextElementSibling || card.previousElementSibling;
      const target = next && next.querySelector("a");
      if (target) target.focus();
    }
    card.remove();
    this.updateEmpty();
    return true;
  }

  updateEmpty() {
    if (this.empty) this.empty.hidden = this.cards().length > 0;
  }

  applySnapshot(snapshot) {
    const seen = new Set();
    for (const proposal of snapshot.proposals) {
      seen.add(String(proposal.id));
      applySupports(this.config, proposal.id, proposal.supports, proposal.version);
      applyStatus(proposal.id, proposal.status, statusLabel(this.config, proposal.status, proposal.status_label));
    }
    // A complete snapshot lists every published proposal: a card missing from it was hidden meanwhile.
    if (snapshot.proposals.length < SNAPSHOT_LIMIT) {
      for (const card of this.cards()) {
        if (!seen.has(card.dataset.proposalId)) this.remove(card.dataset.proposalId);
      }
    }
    if (this.filter.ordering !== "-created") this.order(snapshot.proposals);
  }

  // The cards in the snapshot's order, the most supported first (proposals.models.MOST_SUPPORTED), when it
  // lists them all: counts that changed while the socket was down need no refetch to move their cards. A
  // card that would now be on another page of the list stays, as on a page that stayed connected.
  order(proposals) {
    const rank = new Map(proposals.map((proposal, index) => [String(proposal.id), index]));
    const cards = this.cards();
    if (!cards.every((card) => rank.has(card.dataset.proposalId))) return;
    const sorted = [...cards].sort((a, b) => rank.get(a.dataset.proposalId) - rank.get(b.dataset.proposalId));
    if (sorted.every((card, index) => card === cards[index])) return;
    const focused = document.activeElement;
    for (const card of sorted) this.list.append(card);
    if (focused && focused !== document.activeElement && document.contains(focused)) focused.focus();
  }

  // After a reconnect that may have missed events: the page as the server would render it now, in the
  // server's order. Whether it read the list.
  async refetch() {
    const params = new URLSearchParams(window.location.search);
    const query = new URLSearchParams();
    for (const name of ["ordering", "status", "category", "stage", "page"]) {
      if (params.get(name)) query.set(name, params.get(name));
    }
    const response = await fetch(`/api/v1/consultations/${this.consultation}/proposals/?${query}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return false;
    const data = await response.json();
    const focused = document.activeElement;
    const ids = new Set(data.results.map((p) => String(p.id)));
    for (const card of this.cards()) {
      if (!ids.has(card.dataset.proposalId)) this.remove(card.dataset.proposalId);
    }
    for (const proposal of data.results) {
      let card = this.card(proposal.id);
      if (!card) {
        // The list API names the category by slug; the card shows its name, which the filter knows.
        card = this.buildCard({ ...proposal, category_name: this.categoryName(proposal.category) });
        enhanceSupportForms(card, this.config, this.announcer);
      }
      this.list.append(card); // moves an existing card into the server's order
      applySupports(this.config, proposal.id, proposal.supports, proposal.version);
      renderThreshold(this.config, card, proposal);
      applyStatus(proposal.id, proposal.status, this.config.status_labels[proposal.status] || proposal.status);
      applyText(proposal.id, proposal.title, proposal.summary);
    }
    if (focused && focused !== document.activeElement && document.contains(focused)) focused.focus();
    this.updateEmpty();
    return true;
  }

  categoryName(slug) {
    return this.optionName("category", slug);
  }

  // The name the page's filter `select` gives a slug, in the reader's language; "" if it has none.
  optionName(select, slug) {
    if (!slug) return "";
    const option = document.querySelector(`select[name="${select}"] option[value="${CSS.escape(slug)}"]`);
    return option ? option.textContent.trim() : "";
  }

  handle(event) {
    const t = this.config.t;
    switch (event.type) {
      case "proposal.published":
        if (this.insert(event.proposal)) {
          this.announcer.queue(`new-${event.proposal.id}`, format(t.new_proposal, { title: event.proposal.title }));
        }
        break;
      case "proposal.support_changed":
        applySupports(this.config, event.proposal, event.supports, event.version);
        break;
      case "proposal.threshold_reached":
        if (this.card(event.proposal)) {
          applyThresholdReached(this.config, this.announcer, event, `status-${event.proposal}`);
        }
        break;
      case "proposal.threshold_withdrawn":
        if (this.card(event.proposal)) {
          applyThresholdWithdrawn(this.config, this.announcer, event, `status-${event.proposal}`);
        }
        break;
      case "proposal.status_changed":
        if (this.filter.status && this.filter.status !== event.status) {
          this.remove(event.proposal);
        } else if (applyStatus(event.proposal, event.status, statusLabel(this.config, event.status, event.status_label))) {
          this.announcer.queue(
            `status-${event.proposal}`,
            format(t.status_changed, {
              title: titleOf(event.proposal),
              status: statusLabel(this.config, event.status, event.status_label),
            }),
          );
        }
        break;
      case "proposal.hidden":
        if (this.remove(event.proposal)) this.announcer.queue(`hidden-${event.proposal}`, t.proposal_hidden);
        break;
      case "proposal.edited":
        if (applyText(event.proposal, event.title, event.summary)) {
          this.announcer.queue(`edited-${event.proposal}`, format(t.proposal_edited, { title: event.title }));
        }
        break;
      case "proposal.merged": {
        const title = titleOf(event.proposal);
        if (this.remove(event.proposal)) {
          this.announcer.queue(`merged-${event.proposal}`, format(t.proposal_merged, { title, into: event.title }));
        }
        break;
      }
      case "proposal.withdrawn":
        if (applyWithdrawn(this.config, event.proposal, event.reason)) {
          this.announcer.queue(`withdrawn-${event.proposal}`, format(t.proposal_withdrawn, { title: titleOf(event.proposal) }));
        }
        break;
      case "response.published": {
        const card = this.card(event.proposal);
        if (card) {
          card.querySelector('[data-role="has-response"]').hidden = false;
          renderThreshold(this.config, card, { responded_at: event.response.published_at });
          this.announcer.queue(
            `response-${event.proposal}`,
            format(t.response_published, { title: titleOf(event.proposal) }),
          );
        }
        break;
      }
    }
  }
}

/* ---------------------------------------------------------------- the proposal page */

// After supports change, the proposal page's chart of supports over time is fetched again (drawn by the
// server, frontend.views.proposal_supports_chart), once for all the changes of a few seconds, spread so
// that the pages watching a popular proposal do not all ask at once. The counts themselves move at once.
const CHART_DELAY_MS = 4000;
const CHART_JITTER_MS = 4000;

// The key of a proposal page's queued "now has N supports" (one proposal per page).
const COUNT_KEY = "supports";

class DetailPage {
  generationKind = "page"; // comments too: the consultation's page generation (cocreate/page_cache.py)

  constructor(container, config, announcer) {
    this.config = config;
    this.announcer = announcer;
    this.article = container.querySelector("article[data-proposal-id]");
    this.id = Number(this.article.dataset.proposalId);
    this.responses = this.article.querySelector('[data-role="responses"]');
    this.milestones = this.article.querySelector('[data-role="milestones"]');
    this.chartVersion = Number(this.article.dataset.version || 0); // what the chart shown was drawn at
    this.chartWanted = this.chartVersion;
    this.chartTimer = null;
  }

  // Supports are at `version` now: the chart follows within a few seconds.
  refreshChart(version) {
    this.chartWanted = Math.max(this.chartWanted, version);
    if (this.chartTimer || this.chartWanted <= this.chartVersion) return;
    this.chartTimer = setTimeout(() => this.loadChart(), CHART_DELAY_MS + Math.random() * CHART_JITTER_MS);
  }

  async loadChart() {
    const version = this.chartWanted;
    try {
      const response = await fetch(`${urlFor(this.config.supports_chart_url, this.id)}?version=${version}`, {
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const html = await response.text();
      const fresh = new DOMParser().parseFromString(html, "text/html").querySelector('[data-role="supports-chart"]');
      const shown = document.querySelector('[data-role="supports-chart"]');
      if (!fresh || !shown) return;
      // As the reader left it: the figures open or closed, the focus where it was.
      const figures = shown.querySelector("details");
      if (figures?.open) fresh.querySelector("details")?.setAttribute("open", "");
      const focused = shown.contains(document.activeElement) ? document.activeElement.tagName : null;
      shown.replaceWith(fresh);
      if (focused) (fresh.querySelector(focused.toLowerCase()) || fresh).focus();
      this.chartVersion = Math.max(this.chartVersion, version);
    } catch {
      // Offline: the next change, or the reconnection, tries again.
    } finally {
      this.chartTimer = null;
      if (this.chartWanted > this.chartVersion) this.refreshChart(this.chartWanted);
    }
  }

  applySnapshot(snapshot) {
    const proposal = snapshot.proposals.find((p) => p.id === this.id);
    if (proposal) {
      applySupports(this.config, proposal.id, proposal.supports, proposal.version);
      applyStatus(proposal.id, proposal.status, statusLabel(this.config, proposal.status, proposal.status_label));
    }
  }

  async refetch() {
    const response = await fetch(`/api/v1/proposals/${this.id}/`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 404) {
      this.markHidden();
      return true;
    }
    if (!response.ok) return false;
    const data = await response.json();
    if (data.visibility && data.visibility !== "published") {
      this.markHidden();
      return true;
    }
    applySupports(this.config, data.id, data.supports, data.version);
    this.refreshChart(data.version);
    applyStatus(data.id, data.status, this.config.status_labels[data.status] || data.status);
    renderThreshold(this.config, this.article, data);
    const form = this.article.querySelector("form[data-support-form]");
    if (form) setSupported(form, Boolean(data.supported_by_me), this.config);
    for (const item of data.responses || []) this.addResponse(item);
    return await this.refetchMilestones();
  }

  // The implementation steps as they are now: changes missed while offline come back without a word.
  async refetchMilestones() {
    if (!this.milestones) return true;
    const response = await fetch(`/api/v1/proposals/${this.id}/milestones/`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return false;
    for (const item of await response.json()) this.renderMilestone(item);
    return true;
  }

  // Builds the markup of frontend/includes/milestones.html for one step, with text nodes only (the title
  // and the note are an official's text), in place of the step's item or in its planned order. Returns
  // true when what the page shows of the step changed.
  renderMilestone(item) {
    if (!this.milestones) return false;
    const config = this.config;
    const t = config.t;
    const signature = JSON.stringify(item);
    const shown = this.milestones.querySelector(`[data-milestone-id="${item.id}"]`);
    if (shown?.dataset.signature === signature) return false;
    const make = (tag, className, text) => {
      const element = document.createElement(tag);
      if (className) element.className = className;
      if (text !== undefined) element.textContent = text;
      return element;
    };
    const li = make("li", `milestone milestone--${item.state}`);
    li.id = `milestone-${item.id}`;
    Object.assign(li.dataset, { milestoneId: String(item.id), plannedFor: item.planned_for, state: item.state, signature });
    li.append(make("h3", "milestone__title", item.title));
    const state = make("p", "milestone__state");
    state.append(make("span", `badge badge--milestone-${item.state}`, config.milestone_states[item.state] || item.state_label));
    if (item.late) state.append(" ", make("span", "badge badge--late", item.done_on ? t.milestone_done_late : t.milestone_late));
    li.append(state);
    const dates = make("dl", "milestone__dates");
    for (const [label, iso] of [
      [t.milestone_planned_for, item.planned_for],
      [t.milestone_started_on, item.started_on],
      [t.milestone_done_on, item.done_on],
    ]) {
      if (!iso) continue;
      const time = make("time", "", formatDate(config.date, `${iso}T12:00:00Z`));
      time.dateTime = iso;
      const dd = make("dd");
      dd.append(time);
      dates.append(make("dt", "", label), dd);
    }
    li.append(dates);
    if (item.note) {
      const note = make("p", "milestone__note");
      item.note.split("\n").forEach((line, index) => {
        if (index) note.append(document.createElement("br"));
        note.append(line);
      });
      li.append(note);
    }
    const list = this.milestones.querySelector('[data-role="milestones-list"]');
    if (shown) shown.remove();
    const after = [...list.children].find(
      (other) =>
        other.dataset.plannedFor > item.planned_for ||
        (other.dataset.plannedFor === item.planned_for && Number(other.dataset.milestoneId) > item.id),
    );
    list.insertBefore(li, after || null);
    this.milestones.querySelector('[data-role="milestones-empty"]').hidden = true;
    this.milestones.hidden = false;
    return true;
  }

  // Merged into another while open: the page says where it went, with a link, and takes no support.
  markMerged(event) {
    const notice = this.article.querySelector('[data-role="merged-notice"]');
    if (!notice || !notice.hidden) return;
    const text = format(this.config.t.this_merged, { into: event.title });
    const link = document.createElement("a");
    link.href = event.url;
    link.textContent = text;
    notice.querySelector("p").replaceChildren(link);
    notice.hidden = false;
    this.announcer.now(text);
    for (const form of this.article.querySelectorAll("form.support-form")) form.remove();
  }

  markHidden() {
    const notice = this.article.querySelector('[data-role="hidden-notice"]');
    if (notice && notice.hidden) {
      notice.querySelector("p").textContent = this.config.t.this_hidden;
      notice.hidden = false;
      this.announcer.now(this.config.t.this_hidden);
    }
    for (const form of this.article.querySelectorAll("form.support-form")) form.remove();
  }

  // Builds the markup of frontend/includes/response.html with text nodes only: the body is user content.
  addResponse(item) {
    if (!this.responses || this.responses.querySelector(`[data-response-id="${item.id}"]`)) return false;
    const t = this.config.t;
    const make = (tag, className, text) => {
      const element = document.createElement(tag);
      if (className) element.className = className;
      if (text !== undefined) element.textContent = text;
      return element;
    };
    const article = make("article", "response");
    article.id = `response-${item.id}`; // the anchor the history's links point to
    article.dataset.responseId = String(item.id);
    article.append(make("h3", "response__title", t.official_response));
    const meta = make("p", "response__meta");
    // Empty for an official without a name (see proposals.services.response_publish).
    meta.append(make("span", "response__author", item.author_name || t.official));
    if (item.department) meta.append(", ", make("span", "response__department", item.department));
    meta.append(" · ", ...withDate(this.config, t.published_on, item.published_at));
    article.append(meta);
    if (item.decision) {
      const decision = make("p", "response__decision", `${t.decision} `);
      decision.append(make("strong", "", this.config.status_labels[item.decision] || item.decision));
      article.append(decision);
    }
    const body = make("div", "response__body");
    for (const paragraph of item.body.split(/\n\s*\n/)) {
      const p = make("p");
      paragraph.split("\n").forEach((line, index) => {
        if (index) p.append(document.createElement("br"));
        p.append(line);
      });
      body.append(p);
    }
    article.append(body);
    const empty = this.responses.querySelector('[data-role="responses-empty"]');
    this.responses.insertBefore(article, empty);
    if (empty) empty.hidden = true;
    return true;
  }

  handle(event) {
    if (event.proposal !== this.id && event.proposal?.id !== this.id) return;
    const t = this.config.t;
    const title = titleOf(this.id);
    switch (event.type) {
      case "proposal.support_changed":
        if (applySupports(this.config, this.id, event.supports, event.version)) {
          this.announcer.queue(
            COUNT_KEY,
            format(plural(t.supports_now, event.supports), { title, count: event.supports }),
          );
        }
        this.refreshChart(event.version); // one's own support too, whose count came with its answer
        break;
      case "proposal.threshold_reached":
        applyThresholdReached(this.config, this.announcer, event, "status", COUNT_KEY);
        break;
      case "proposal.threshold_withdrawn":
        applyThresholdWithdrawn(this.config, this.announcer, event, "status", COUNT_KEY);
        break;
      case "proposal.status_changed": {
        const status = statusLabel(this.config, event.status, event.status_label);
        if (applyStatus(this.id, event.status, status)) {
          this.announcer.queue("status", format(t.status_changed, { title, status }));
        }
        break;
      }
      case "proposal.hidden":
        this.markHidden();
        break;
      case "proposal.merged":
        if (event.proposal === this.id) this.markMerged(event);
        break;
      case "proposal.edited":
        if (applyText(this.id, event.title, event.summary)) {
          document.title = document.title.replace(title, event.title);
          this.announcer.queue("edited", format(t.proposal_edited, { title: event.title }));
        }
        break;
      case "proposal.withdrawn":
        if (applyWithdrawn(this.config, this.id, event.reason)) {
          this.announcer.queue("withdrawn", format(t.proposal_withdrawn, { title }));
        }
        break;
      case "response.published":
        renderThreshold(this.config, this.article, { responded_at: event.response.published_at });
        if (this.addResponse(event.response)) {
          this.announcer.queue(`response-${event.response.id}`, format(t.response_published, { title }));
        }
        break;
      case "proposal.milestone_changed": {
        const step = event.milestone;
        if (this.renderMilestone(step)) {
          const state = this.config.milestone_states[step.state] || step.state_label;
          this.announcer.queue(`milestone-${step.id}`, format(t.milestone_changed, { title, step: step.title, state }));
        }
        break;
      }
    }
  }
}

/* ---------------------------------------------------------------- the socket */

class LiveStream {
  // `generation`: the page's when it was rendered (cocreate/page_cache.py: the consultation's "list" on its
  // page, "page" on a proposal's, as `page.generationKind` says), "" if unknown.
  constructor(consultation, page, generation) {
    this.url = `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/ws/consultations/${consultation}/`;
    this.page = page;
    // What the page shows is as of this generation: every change but counts moves it on by one before its
    // event leaves, and the snapshot carries the current one. Null once events may have been lost.
    this.generation = generation ? Number(generation) : null;
    this.ahead = new Set(); // see moved
    this.catchingUp = 0; // refetches under way
    this.losses = 0; // closes that said the server lost events (CLOSE_EVENTS_LOST)
    this.attempt = 0;
    this.reconnecting = false;
    this.stopped = false;
    this.socket = null;
    this.timer = null;
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.dropped());
  }

  connect() {
    root.dataset.live = this.reconnecting ? "reconnecting" : "connecting";
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("message", (message) => this.receive(message));
    socket.addEventListener("close", (event) => this.closed(event, socket));
  }

  async receive(message) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    // Events sent before the socket opened (after the render, or while it was down) are lost. The snapshot
    // corrects the counts; anything else that changed since the page's generation (a new proposal, a
    // hidden one, a status, a response, a comment on a proposal's page...) moved the generation on, and
    // only then is the page read again over REST: a page that missed nothing, such as the hundreds a killed
    // worker drops, asks nothing. The signed-in person's own support or follow from another tab is not on
    // the stream at all, reconnect or not: a reload shows it.
    const current = event.type === "snapshot" ? event.generations?.[this.page.generationKind] : undefined;
    const missed = event.type === "snapshot" && (!current || current !== this.generation);
    const refetches = missed ? [() => this.page.refetch()] : [];
    // Other modules of the page follow the stream too (comments.js): every event, and a snapshot, with
    // `refetchWith` for their own refetch (resolving to whether it read).
    const refetchWith = (refetch) => refetches.push(refetch);
    document.dispatchEvent(
      new CustomEvent(LIVE_EVENT, { detail: { ...event, reconnected: this.reconnecting, missed, refetchWith } }),
    );
    if (event.type === "snapshot") {
      this.page.applySnapshot(event);
      this.ahead.clear();
      // A little later (REFETCH_JITTER_MS), so that pages reconnecting together do not all ask at once.
      if (refetches.length) {
        this.catchingUp += 1;
        setTimeout(() => this.refetch(current, refetches), Math.random() * REFETCH_JITTER_MS);
      }
      if (this.reconnecting) this.page.announcer.queue("connection", this.page.config.t.reconnected);
      this.attempt = 0;
      this.reconnecting = false;
      if (this.socket && this.socket.readyState === WebSocket.OPEN) root.dataset.live = "connected";
      return;
    }
    this.page.handle(event);
    this.moved(event.generations?.[this.page.generationKind]);
  }

  // An event moved the generation to `generation`: a page at the one before missed nothing. One further on
  // (events from two workers may cross) waits in `ahead` for those before it; if they never come, the next
  // reconnect refetches. None counts during a refetch: its answer may be older than the event.
  moved(generation) {
    if (typeof generation !== "number" || this.generation === null || this.catchingUp) return;
    if (generation !== this.generation + 1) {
      if (generation > this.generation && this.ahead.size < 100) this.ahead.add(generation);
      return;
    }
    this.generation = generation;
    while (this.ahead.delete(this.generation + 1)) this.generation += 1;
  }

  // Read after the snapshot of `generation`: the page then shows every change that moved it there.
  async refetch(generation, refetches) {
    const losses = this.losses;
    try {
      const read = await Promise.all(refetches.map((refetch) => refetch()));
      if (read.every(Boolean) && this.losses === losses) this.generation = generation || null;
    } catch {
      // Offline again: the socket will close too, and the next reconnect refetches.
    } finally {
      this.catchingUp -= 1;
    }
  }

  closed(event, socket) {
    if (socket !== this.socket) return;
    this.socket = null;
    if (event.code === CLOSE_NOT_FOUND) {
      this.stopped = true;
      root.dataset.live = "off";
      return;
    }
    // Lost by the server, its events may not have moved the generation either (the cache away too).
    if (event.code === CLOSE_EVENTS_LOST) {
      this.generation = null;
      this.losses += 1;
    }
    this.scheduleReconnect();
  }

  dropped() {
    // The browser knows the network is gone. A dead socket can look open for minutes (a phone losing its
    // signal sends no close), so say so now and reconnect as soon as the network is back.
    if (this.stopped || !this.socket) return;
    const socket = this.socket;
    this.socket = null; // its late close event is then ignored (see closed)
    socket.close();
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (!this.reconnecting) this.page.announcer.queue("connection", this.page.config.t.reconnecting);
    this.reconnecting = true;
    root.dataset.live = "reconnecting";
    // Exponential backoff with "equal jitter": a random wait in the upper half of the delay (0.5 to 1 s on
    // the first try, up to 15 to 30 s), so a restarted server is not hit by every page at once, and no page
    // comes back at once (as "full jitter", from 0, would let some).
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), ceiling / 2 + Math.random() * (ceiling / 2));
  }

  reconnectNow() {
    if (this.stopped || this.socket || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }
}

/* ---------------------------------------------------------------- support forms */

async function submitSupport(form, config, announcer) {
  const holder = form.closest("[data-proposal-id]");
  const id = holder.dataset.proposalId;
  const button = form.querySelector('button[type="submit"]');
  const error = form.querySelector('[data-role="support-error"]');
  const adding = form.dataset.supported !== "true";
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken(form) };
  const url = `/api/v1/proposals/${id}/support/`;
  button.setAttribute("aria-busy", "true");
  error.hidden = true;
  try {
    const response = await fetch(url, { method: adding ? "POST" : "DELETE", headers, credentials: "same-origin" });
    if (!response.ok) {
      const text = await errorMessage(response, config.t.error);
      error.textContent = text;
      error.hidden = false;
      announcer.now(text);
      return;
    }
    let state = null;
    if (adding) {
      state = await response.json();
    } else {
      // A withdrawal answers 204 without a body: read the new count.
      const detail = await fetch(`/api/v1/proposals/${id}/`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (detail.ok) {
        const data = await detail.json();
        state = { supports: data.supports, version: data.version };
      }
    }
    setSupported(form, adding, config);
    if (adding) showFollowing(holder, config);
    if (state) applySupports(config, id, state.supports, state.version);
    // The stream may have brought this very change first, its count queued to be said: the answer says it.
    announcer.drop(COUNT_KEY);
    announcer.now(adding ? config.t.added : config.t.withdrawn);
  } catch {
    error.textContent = config.t.offline;
    error.hidden = false;
    announcer.now(config.t.offline);
  } finally {
    button.removeAttribute("aria-busy");
  }
}

function enhanceSupportForms(scope, config, announcer) {
  for (const form of scope.querySelectorAll("form[data-support-form]")) {
    if (form.dataset.enhanced) continue;
    form.dataset.enhanced = "true";
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      // Not `disabled`: that would drop keyboard focus from the button.
      if (form.querySelector('[aria-busy="true"]')) return;
      submitSupport(form, config, announcer);
    });
  }
}

/* ---------------------------------------------------------------- start */

function start() {
  enhanceCounters(document);
  const config = readJson("live-config");
  const announcer = startAnnouncer(config?.t.updates);
  if (!config) return;
  enhanceSupportForms(document, config, announcer);

  const container = document.querySelector("[data-live-consultation]");
  if (!container || !("WebSocket" in window)) return;
  const Page = container.dataset.livePage === "detail" ? DetailPage : ListPage;
  const page = new Page(container, config, announcer);
  page.config = config;
  new LiveStream(container.dataset.liveConsultation, page, container.dataset.liveGeneration).connect();
}

start();
