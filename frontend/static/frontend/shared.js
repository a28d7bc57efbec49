// What the page's modules share (live.js, forms.js, similar.js, comments.js, journey.js). Imported, never
// loaded by a script tag of its own, so each page evaluates it once whatever the static storage does to the
// importing modules' names.

const root = document.documentElement;

// The modules of a page speak through its polite region (startAnnouncer), so one voice keeps one rhythm:
// document.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: { text } })), said at once; with a
// `key` in the detail, queued and coalesced like the page's own background changes.
export const ANNOUNCE_EVENT = "cocreate:announce";

// live.js passes every message of the consultation stream on as this event (detail: the message; a
// snapshot also has `reconnected`, `missed` and `refetchWith`: see LiveStream.receive).
export const LIVE_EVENT = "cocreate:live";

// After a reconnect a page reads what it missed over REST at a random moment within this time: the pages a
// killed worker dropped reconnect together, and a survivor asked for all their lists at once stalls
// (bench/faults.py --fault worker-kill). The snapshot on the socket has already corrected the counts.
export const REFETCH_JITTER_MS = 3000;

export function readJson(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

// Python-style "%(name)s" interpolation, so the translated strings keep their Django form.
export function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
}

const pluralRules = (() => {
  try {
    return new Intl.PluralRules(root.lang || undefined);
  } catch {
    return new Intl.PluralRules("en");
  }
})();

// One of a message's forms, sent by the server per plural category (see frontend.pages.plural_forms).
export function plural(forms, count) {
  return forms[pluralRules.select(count)] ?? forms.other;
}

// A date as Django's dateformat writes it with `format` (by default the page language's DATE_FORMAT;
// DATETIME_FORMAT for a time too), in the site's time zone, with the words the server sent for this
// language (see frontend.pages.date_config): the same text as the server's beside it.
export function formatDate(config, iso, format = config.date_format) {
  const date = new Date(iso);
  let fields;
  try {
    const options = { timeZone: config.time_zone, hourCycle: "h23" };
    for (const name of ["year", "month", "day", "hour", "minute"]) options[name] = "numeric";
    const parts = new Intl.DateTimeFormat("en-US", options).formatToParts(date);
    fields = Object.fromEntries(parts.map((part) => [part.type, Number(part.value)]));
  } catch {
    return iso.slice(0, 10);
  }
  const { year, month, day, minute } = fields;
  const hour = fields.hour % 24; // some engines say 24 for midnight
  const hour12 = hour % 12 || 12;
  const pad = (n) => String(n).padStart(2, "0");
  const shortTime = () => (minute ? `${hour12}:${pad(minute)}` : String(hour12)); // Django's "f"
  const ampm = (spec) => config.ampm[spec][hour < 12 ? 0 : 1];
  const specs = {
    d: () => pad(day),
    j: () => String(day),
    m: () => pad(month),
    n: () => String(month),
    Y: () => String(year),
    y: () => pad(year % 100),
    H: () => pad(hour),
    G: () => String(hour),
    h: () => pad(hour12),
    g: () => String(hour12),
    i: () => pad(minute),
    f: shortTime,
    a: () => ampm("a"),
    A: () => ampm("A"),
    P: () => {
      if (minute === 0 && hour === 0) return config.midnight;
      if (minute === 0 && hour === 12) return config.noon;
      return `${shortTime()} ${ampm("a")}`;
    },
  };
  for (const spec of Object.keys(config.months)) specs[spec] = () => config.months[spec][month - 1];
  let text = "";
  for (let k = 0; k < format.length; k += 1) {
    const char = format[k];
    if (char === "\\") {
      k += 1;
      text += format[k] ?? "";
    } else {
      text += char in specs ? specs[char]() : char;
    }
  }
  return text;
}

// A number as the page's language groups it: 2,000 in English, 2 000 in French (as the server writes it).
const numbers = (() => {
  try {
    return new Intl.NumberFormat(root.lang || undefined);
  } catch {
    return new Intl.NumberFormat("en");
  }
})();

// The character counters under the text fields in `scope` (frontend/includes/field.html), kept current as
// people type; each once, so a scope may be enhanced again (a form cloned from a template, say).
export function enhanceCounters(scope) {
  for (const counter of scope.querySelectorAll("[data-counter-for]")) {
    if (counter.dataset.counting) continue;
    const input = scope.querySelector(`#${CSS.escape(counter.dataset.counterFor)}`);
    if (!input || !input.dataset.maxlength) continue;
    const max = Number(input.dataset.maxlength);
    const update = () => {
      // Characters as people count them, not UTF-16 units (an emoji is one).
      const count = [...input.value].length;
      const over = count - max;
      counter.textContent =
        over > 0
          ? format(counter.dataset.templateOver, { over: numbers.format(over) })
          : format(counter.dataset.template, { count: numbers.format(count), max: numbers.format(max) });
      counter.classList.toggle("field__counter--over", over > 0);
    };
    input.addEventListener("input", update);
    update();
    counter.hidden = false;
    counter.dataset.counting = "true";
  }
}

export function csrfToken(form) {
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
  const field = form.querySelector('input[name="csrfmiddlewaretoken"]');
  return field ? field.value : "";
}

// The API's error body says what went wrong in the reader's language; anything else gets `fallback`.
export async function errorMessage(response, fallback) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) return body.error.message;
  } catch {
    // Not JSON (a proxy's error page, say): fall back to the generic message.
  }
  return fallback;
}

const ANNOUNCE_EVERY_MS = 4000; // at most one live-region message in this time, so a burst stays quiet

class Announcer {
  // `updates`: the plural forms of "and %(n)s more updates", summing up the rest of a burst.
  constructor(region, updates) {
    this.region = region;
    this.updates = updates;
    this.pending = new Map(); // key -> text; a newer message with the same key replaces the older
    this.timer = null;
    this.lastSpoke = 0;
  }

  // Background changes (other people's supports, new proposals): coalesced and throttled.
  queue(key, text) {
    if (!this.region) return;
    this.pending.delete(key);
    this.pending.set(key, text);
    if (this.timer) return;
    const wait = Math.max(0, this.lastSpoke + ANNOUNCE_EVERY_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  // A message not said yet that a newer one makes redundant.
  drop(key) {
    this.pending.delete(key);
  }

  // The answer to what the person just did: said at once.
  now(text) {
    this.say(text);
  }

  flush() {
    this.timer = null;
    if (!this.pending.size) return;
    const texts = [...this.pending.values()];
    this.pending.clear();
    let text = texts[texts.length - 1]; // the newest; the rest are summed up
    const more = texts.length - 1;
    if (more && this.updates) text += " " + format(plural(this.updates, more), { n: more });
    this.say(text);
  }

  say(text) {
    if (!this.region) return;
    this.lastSpoke = Date.now();
    // Emptying first makes a screen reader speak a message even when it repeats the previous one.
    this.region.textContent = "";
    requestAnimationFrame(() => {
      this.region.textContent = text;
    });
  }
}

// Says what the page's modules send as ANNOUNCE_EVENT in base.html's polite region. Once per page, by
// live.js or, on the pages without a live list, forms.js (which has no `updates`: a burst says its newest).
export function startAnnouncer(updates) {
  const announcer = new Announcer(document.getElementById("live-announcer"), updates);
  document.addEventListener(ANNOUNCE_EVENT, (event) => {
    if (typeof event.detail?.text !== "string") return;
    // With a key, a background change: queued and coalesced like the page's own (see Announcer.queue).
    if (event.detail.key) announcer.queue(event.detail.key, event.detail.text);
    else announcer.now(event.detail.text);
  });
  return announcer;
}
