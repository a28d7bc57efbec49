// The comments of a proposal page: sends the comment and reply forms without a reload, and keeps the
// thread live with the comment events of the consultation stream, which live.js passes on (LIVE_EVENT).
// Other people's text only ever goes in through textContent. The author's own new comment is taken from
// the server's rendering of the page (escaped there), so it comes with its edit and delete forms.
// "Reply" and "Report this comment" are links to the page with that one form (?reply=, ?report=); here they
// open the form in place, cloned from the thread's one <template> of each, and move focus into it. Edits
// and deletions go through the API and change the comment in place. Every form works without this module;
// focus moves only into a form the person opened, back to what opened it, or when its element goes away.

import { ANNOUNCE_EVENT, LIVE_EVENT, csrfToken, enhanceCounters, errorMessage, format, formatDate, plural, readJson } from "./shared.js";

const ANNOUNCE_AFTER_MS = 3000; // new comments are counted this long, then announced in one message

function announce(text, key) {
  document.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: { text, key } }));
}

// Paragraphs and line breaks as Django's `linebreaks` filter makes them, from text nodes only.
function setParagraphs(element, text) {
  element.replaceChildren();
  for (const paragraph of text.split(/\n\s*\n/)) {
    const p = document.createElement("p");
    paragraph.split("\n").forEach((line, index) => {
      if (index) p.append(document.createElement("br"));
      p.append(line);
    });
    element.append(p);
  }
}

// The proposal page's address with ?<name>=<id> (the thread's page kept) and an anchor: what the server
// renders for a comment's link, for a comment that arrived live. The page's own address may be another (a
// form that came back with errors is shown at the address it was posted to).
function linkTo(pageUrl, name, id, anchor) {
  const params = new URLSearchParams(window.location.search);
  for (const key of [...params.keys()]) if (key !== "comments" && key !== "sort") params.delete(key);
  params.set(name, id);
  return `${pageUrl}?${params}#${anchor}`;
}

// A cloned form is comment 0's: give its ids (and what points at them) this comment's.
function renumber(scope, pairs) {
  const names = ["id", "for", "aria-describedby", "aria-labelledby", "data-counter-for"];
  for (const element of [scope, ...scope.querySelectorAll("*")]) {
    for (const name of names) {
      let value = element.getAttribute(name);
      if (!value) continue;
      for (const [from, to] of pairs) value = value.replaceAll(from, to);
      element.setAttribute(name, value);
    }
  }
}

// A comment shown as readable (not a placeholder) has a .comment__meta line.
function isReadable(item) {
  return Boolean(item.querySelector(":scope > .comment__box > .comment__meta"));
}

class Thread {
  constructor(section, config) {
    this.section = section;
    this.config = config;
    this.t = config.t;
    // How the server writes dates, from the page's live configuration (frontend.pages.date_config).
    this.dates = readJson("live-config").date;
    this.list = section.querySelector('[data-role="comment-list"]');
    this.empty = section.querySelector('[data-role="comments-empty"]');
    this.count = section.querySelector('[data-role="comments-count"]');
    this.heading = section.querySelector("h2");
    this.template = document.getElementById("comment-template");
    this.replyTemplate = document.getElementById("reply-template");
    this.reportTemplate = document.getElementById("report-template");
    this.mine = new Set(); // ids this page posted: their own event is not news to announce
    this.posting = Promise.resolve();
    this.stale = false; // a refetch that the stream asked for has not succeeded yet
    this.fresh = 0;
    this.timer = null;
  }

  item(id) {
    return this.section.querySelector(`li[data-comment-id="${Number(id)}"]`);
  }

  setCount(count) {
    if (this.count) this.count.textContent = format(plural(this.t.count, count), { count });
  }

  updateEmpty() {
    const any = this.list.children.length > 0;
    this.list.hidden = !any;
    if (this.empty) this.empty.hidden = any;
  }

  // The markup of frontend/includes/comment.html for a published comment, from the event's state.
  build(comment) {
    const item = this.template.content.firstElementChild.cloneNode(true);
    const id = String(comment.id);
    item.id = `comment-${id}`;
    item.dataset.commentId = id;
    item.tabIndex = -1;
    item.querySelector('[data-role="author"]').textContent = comment.author_name || this.t.a_citizen;
    item.querySelector('[data-role="official"]').hidden = !comment.is_official;
    const time = item.querySelector('[data-role="time"]');
    time.dateTime = comment.created_at;
    time.textContent = formatDate(this.dates, comment.created_at, this.dates.datetime_format);
    item.querySelector('[data-role="edited"]').hidden = !comment.edited;
    setParagraphs(item.querySelector('[data-role="comment-body"]'), comment.body);
    const author = comment.author_name || this.t.a_citizen;
    for (const link of item.querySelectorAll("a[data-action]")) {
      link.dataset.commentId = id;
      if (link.dataset.action === "reply") {
        if (comment.parent) {
          link.parentElement.remove(); // replies are answered in their thread, under the top comment
          continue;
        }
        link.href = linkTo(this.config.page_url, "reply", id, `reply-${id}`);
        link.querySelector('[data-role="link-name"]').textContent = format(this.t.reply_to, { author });
      } else {
        link.href = linkTo(this.config.page_url, "report", id, `report-comment-${id}`);
        link.querySelector('[data-role="link-name"]').textContent = format(this.t.report_by, { author });
      }
    }
    const helpful = item.querySelector("form[data-helpful]");
    if (helpful) {
      helpful.action = helpful.getAttribute("action").replace(/\/0\/([^/]*\/)$/, `/${Number(id)}/$1`);
      helpful.querySelector('[data-role="helpful-name"]').textContent = `, ${format(this.t.helpful_by, { author })}`;
    }
    if (comment.parent) {
      item.classList.add("comment--reply");
      item.querySelector('[data-role="replies"]').remove();
    }
    return item;
  }

  // A comment's helpful count, unless the page shows a newer one (its version). A count shown as text is
  // hidden at 0, as the server renders it; the button keeps its pressed state (the reader's own mark).
  setHelpful(id, helpful, version) {
    const item = this.item(id);
    const shown = item && item.querySelector(":scope > .comment__box > [data-helpful]");
    if (!shown || Number(shown.dataset.helpfulVersion) >= version) return;
    shown.dataset.helpfulVersion = String(version);
    for (const count of shown.querySelectorAll('[data-role="helpful-count"]')) count.textContent = String(helpful);
    if (shown.tagName === "P") shown.hidden = helpful === 0;
  }

  /* ------------------------------------------------------------ reply and report forms, opened in place */

  // The reply form of top-level comment `id`, under its replies: the server's if it rendered one, else one
  // cloned from the template. Returns false when there is none to open (the link then loads the page).
  openReply(link) {
    const id = link.dataset.commentId;
    const item = this.item(id);
    let form = document.getElementById(`reply-${id}`);
    if (!form) {
      if (!this.replyTemplate || !item) return false;
      form = this.replyTemplate.content.firstElementChild.cloneNode(true);
      renumber(form, [
        ["reply-0", `reply-${id}`],
        ["id_reply0_", `id_reply${id}_`],
      ]);
      form.querySelector('input[name="parent"]').value = id;
      // "Reply to Ana's comment": the link's full name, said when focus lands in the form too.
      form.querySelector('[data-role="reply-title"]').textContent = (
        link.querySelector(".visually-hidden") || link
      ).textContent;
      const cancel = form.querySelector('[data-action="cancel-reply"]');
      cancel.href = cancel.getAttribute("href").replace(/#comment-0$/, `#comment-${id}`);
      item.querySelector(':scope > [data-role="replies"]').after(form);
      this.enhance(form);
      enhanceCounters(form);
    }
    form.querySelector("textarea").focus();
    return true;
  }

  // Closes a reply form and gives focus back to the link that opens it.
  closeReply(form) {
    const id = form.querySelector('input[name="parent"]').value;
    form.remove();
    this.section.querySelector(`a[data-action="reply"][data-comment-id="${Number(id)}"]`)?.focus();
  }

  // The report form of comment `id`, open, in place of its link; focus on its summary.
  openReport(link) {
    if (!this.reportTemplate) return false;
    const id = link.dataset.commentId;
    const details = this.reportTemplate.content.firstElementChild.cloneNode(true);
    renumber(details, [["report-comment-0", `report-comment-${id}`]]);
    const form = details.querySelector("form");
    if (form) form.action = form.getAttribute("action").replace(/\/0\/([^/]*\/)$/, `/${Number(id)}/$1`);
    details.open = true;
    link.parentElement.replaceWith(details);
    enhanceCounters(details);
    details.querySelector("summary").focus();
    return true;
  }

  listen() {
    this.section.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-action]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      const actions = {
        reply: () => this.openReply(link),
        report: () => this.openReport(link),
        "cancel-reply": () => (this.closeReply(link.closest("form")), true),
      };
      if (actions[link.dataset.action]?.()) event.preventDefault();
    });
    this.section.addEventListener("keydown", (event) => {
      const form = event.target.closest?.('form[data-role="reply"]');
      if (event.key === "Escape" && form && !form.querySelector('[aria-busy="true"]')) this.closeReply(form);
    });
  }

  // Puts a comment where the server would: a reply after its siblings, a top-level comment at the end of
  // the last page. Returns false when it has no place on this page.
  place(item, parentId) {
    if (parentId) {
      const parent = this.item(parentId);
      const replies = parent && parent.querySelector(':scope > [data-role="replies"]');
      if (!replies) return false;
      replies.append(item);
    } else {
      if (!this.config.last_page) return false;
      this.list.append(item);
    }
    this.updateEmpty();
    return true;
  }

  insert(comment) {
    const existing = this.item(comment.id);
    if (existing) {
      // A moderator's page showed it waiting or hidden: it is published now.
      existing.classList.remove("comment--pending", "comment--hidden");
      existing.querySelector(":scope > .comment__box > .comment__status")?.remove();
      return false;
    }
    return this.place(this.build(comment), comment.parent);
  }

  update(comment) {
    const item = this.item(comment.id);
    if (!item || !isReadable(item)) return;
    setParagraphs(item.querySelector(':scope > .comment__box > [data-role="comment-body"]'), comment.body);
    item.querySelector(':scope > .comment__box [data-role="edited"]').hidden = !comment.edited;
    // A live update is an approved text: the edit that waited for moderation (or its rejection) is done.
    if (!comment.pending_edit && !comment.edit_rejection_reason) {
      item.querySelector(':scope > .comment__box > [data-role="pending-edit"]')?.remove();
    }
  }

  // A comment with replies stays as a placeholder, so the replies keep their place; else it goes.
  remove(id, reason) {
    const item = this.item(id);
    if (!item) return;
    const replies = item.querySelector(':scope > [data-role="replies"]');
    if (replies && replies.children.length) {
      const box = item.querySelector(":scope > .comment__box");
      const reply = item.querySelector(':scope > [data-role="reply"]'); // no replying to it any more
      const hadFocus = box.contains(document.activeElement) || Boolean(reply?.contains(document.activeElement));
      const text = document.createElement("p");
      text.className = "comment__placeholder";
      text.dataset.role = "comment-body";
      text.textContent = reason === "hidden" ? this.t.hidden : this.t.deleted;
      box.replaceChildren(text);
      reply?.remove();
      if (hadFocus) item.focus();
    } else {
      const hadFocus = item.contains(document.activeElement);
      item.remove();
      if (hadFocus) this.heading.focus();
    }
    this.updateEmpty();
  }

  // Other people's new comments: one polite message for a burst ("2 new comments"), never one each.
  announceNew() {
    this.fresh += 1;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      announce(format(plural(this.t.new_comments, this.fresh), { n: this.fresh }), "comments");
      this.fresh = 0;
      this.timer = null;
    }, ANNOUNCE_AFTER_MS);
  }

  async handle(event) {
    if (event.type === "snapshot") {
      // When the page may have missed a change (live.js compares generations), or a refetch failed: read
      // the thread again when live.js reads the rest, which counts only if this read succeeded too.
      if (event.missed || this.stale) {
        this.stale = true;
        event.refetchWith(() => this.refetch());
      }
      return;
    }
    if (event.proposal !== this.config.proposal) return;
    await this.posting; // the id of a comment being posted here is known before its event is handled
    switch (event.type) {
      case "comment.published":
        this.setCount(event.comments);
        if (this.mine.has(event.comment.id)) break;
        if (this.insert(event.comment)) this.announceNew();
        break;
      case "comment.updated":
        this.update(event.comment);
        break;
      case "comment.removed":
        this.setCount(event.comments);
        this.remove(event.comment, event.reason);
        break;
      case "comment.helpful_changed":
        this.setHelpful(event.comment, event.helpful, event.version);
        break;
    }
  }

  // After a reconnect: events sent meanwhile are lost, so read this page of the thread again (true if read).
  async refetch() {
    await this.posting; // as for an event: the id of a comment being posted here is known first
    const page = new URLSearchParams(window.location.search).get("comments") || "1";
    let data;
    try {
      const query = `page=${encodeURIComponent(page)}&page_size=50&ordering=${encodeURIComponent(this.config.ordering)}`;
      const response = await fetch(`${this.config.comments_url}?${query}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) return false;
      data = await response.json();
    } catch {
      return false; // offline again: the next reconnect tries again
    }
    this.stale = false;
    const listed = new Set();
    for (const top of data.results) {
      for (const comment of [top, ...(top.replies || [])]) {
        listed.add(comment.id);
        const shown = this.item(comment.id);
        if (comment.deleted || (comment.visibility === "hidden" && !comment.body)) {
          if (shown && isReadable(shown)) this.remove(comment.id, comment.deleted ? "deleted" : "hidden");
        } else if (!shown && comment.visibility === "published") {
          this.place(this.build(comment), comment.parent);
        } else if (shown && comment.visibility === "published") {
          this.update(comment);
        }
        if (comment.visibility === "published") this.setHelpful(comment.id, comment.helpful, comment.helpful_version);
      }
    }
    for (const item of [...this.section.querySelectorAll("li[data-comment-id]")]) {
      if (!listed.has(Number(item.dataset.commentId))) this.remove(item.dataset.commentId, "hidden");
    }
    return true;
  }

  /* ------------------------------------------------------------ posting */

  enhance(scope) {
    const senders = [
      ["form[data-comment-form]", (form) => (this.posting = this.submit(form))],
      ["form[data-comment-edit]", (form) => this.edit(form)],
      ["form[data-comment-delete]", (form) => this.deleteOwn(form)],
    ];
    for (const [selector, send] of senders) {
      const forms = [...(scope.matches?.(selector) ? [scope] : []), ...scope.querySelectorAll(selector)];
      for (const form of forms) {
        if (form.dataset.enhanced) continue;
        form.dataset.enhanced = "true";
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          // Not `disabled`: that would drop keyboard focus from the button.
          if (form.querySelector('[aria-busy="true"]')) return;
          send(form);
        });
      }
    }
  }

  // One request for a comment form, with the button busy meanwhile. Returns the response when it is ok;
  // otherwise shows why on the form (or says it, for a form with no field) and returns null.
  async send(form, method, url, payload) {
    const button = form.querySelector('button[type="submit"]');
    const textarea = form.querySelector("textarea");
    button.setAttribute("aria-busy", "true");
    if (textarea) this.clearError(form);
    try {
      const response = await fetch(url, {
        method,
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin",
        body: payload ? JSON.stringify(payload) : undefined,
      });
      if (response.ok) return response;
      const text = await this.errorText(response);
      if (textarea) this.showError(form, text);
      else announce(text);
    } catch {
      if (textarea) this.showError(form, this.t.offline);
      else announce(this.t.offline);
    } finally {
      button.removeAttribute("aria-busy");
    }
    return null;
  }

  commentUrl(id) {
    return this.config.comment_url.replace(/\/0\/$/, `/${Number(id)}/`);
  }

  // The author's edit: the text changes in place, the disclosure closes on its summary, and it is said.
  async edit(form) {
    const item = form.closest("li[data-comment-id]");
    const textarea = form.querySelector("textarea");
    const response = await this.send(form, "PATCH", this.commentUrl(item.dataset.commentId), {
      body: textarea.value,
    });
    if (!response) return;
    const comment = await response.json();
    if (comment.pending_edit) {
      // Held for moderation: the server's rendering shows the edit waiting to its author, and says so.
      const fresh = await this.insertOwn(comment);
      (fresh?.querySelector(":scope > .comment__box > details.comment__action > summary") || fresh)?.focus();
      announce(this.t.edit_pending);
      return;
    }
    this.update(comment);
    textarea.value = comment.body;
    const details = form.closest("details");
    if (details) {
      details.open = false;
      details.querySelector("summary").focus();
    }
    announce(this.t.updated);
  }

  // The author's deletion: the comment goes (or stays as a placeholder for its replies), focus goes to it
  // or, when it is gone, to the thread's heading, and it is said.
  async deleteOwn(form) {
    const item = form.closest("li[data-comment-id]");
    const response = await this.send(form, "DELETE", this.commentUrl(item.dataset.commentId));
    if (!response) return;
    this.remove(item.dataset.commentId, "deleted");
    announce(this.t.deleted_own);
  }

  showError(form, text) {
    const textarea = form.querySelector("textarea");
    const id = `${textarea.id}_error`;
    let list = document.getElementById(id);
    if (!list) {
      list = document.createElement("ul");
      list.className = "field__errors";
      list.id = id;
      textarea.before(list);
      const described = (textarea.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      textarea.setAttribute("aria-describedby", [...described, id].join(" "));
    }
    const line = document.createElement("li");
    line.textContent = text;
    list.replaceChildren(line);
    textarea.setAttribute("aria-invalid", "true");
    textarea.closest(".field")?.classList.add("field--error");
    announce(text);
  }

  clearError(form) {
    const textarea = form.querySelector("textarea");
    const list = document.getElementById(`${textarea.id}_error`);
    if (list) {
      list.remove();
      const described = (textarea.getAttribute("aria-describedby") || "").split(" ").filter((id) => id !== list.id);
      textarea.setAttribute("aria-describedby", described.join(" "));
    }
    textarea.removeAttribute("aria-invalid");
    textarea.closest(".field")?.classList.remove("field--error");
  }

  async submit(form) {
    const textarea = form.querySelector("textarea");
    const parent = form.querySelector('input[name="parent"]');
    const payload = { body: textarea.value };
    if (parent && parent.value) payload.parent = Number(parent.value);
    const response = await this.send(form, "POST", this.config.comments_url, payload);
    if (!response) return;
    const comment = await response.json();
    this.mine.add(comment.id);
    textarea.value = "";
    textarea.dispatchEvent(new Event("input")); // the character counter
    const item = await this.insertOwn(comment);
    if (form.dataset.role === "reply") {
      // The reply form has done its work: it closes, and focus goes to the reply (or back to the link).
      if (item) {
        form.remove();
        item.focus();
      } else {
        this.closeReply(form);
      }
    }
    announce(comment.visibility === "published" ? this.t.published : this.t.pending);
  }

  // The field's own error when the API names one (the text), else the error's message.
  async errorText(response) {
    try {
      const body = await response.clone().json();
      const fields = body?.error?.fields || {};
      const first = (fields.body || fields.parent || [])[0];
      if (first) return first;
    } catch {
      // Not JSON: errorMessage falls back too.
    }
    return errorMessage(response, this.t.error);
  }

  // The author's comment as the server renders it for them now (with its edit and delete forms), or, if
  // this page of the thread does not hold it, built from the API's answer when it is published.
  async insertOwn(comment) {
    let item = null;
    try {
      const response = await fetch(window.location.pathname + window.location.search, {
        headers: { Accept: "text/html" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const html = new DOMParser().parseFromString(await response.text(), "text/html");
        const rendered = html.getElementById(`comment-${comment.id}`);
        if (rendered) item = document.importNode(rendered, true);
      }
    } catch {
      // Fall back to the API's answer below.
    }
    if (!item && comment.visibility === "published" && comment.body) item = this.build(comment);
    if (!item) return null;
    const shown = this.item(comment.id);
    if (shown) shown.replaceWith(item);
    else if (!this.place(item, comment.parent)) return null;
    this.enhance(item);
    return item;
  }
}

function start() {
  const section = document.querySelector("[data-comments]");
  const config = readJson("comments-config");
  if (!section || !config) return;
  const thread = new Thread(section, config);
  thread.enhance(section);
  thread.listen();
  document.addEventListener(LIVE_EVENT, (event) => {
    thread.handle(event.detail);
  });
}

start();
