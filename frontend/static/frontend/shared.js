// What live.js and similar.js both need. Imported, never loaded by a script tag of its own, so each page
// evaluates it once whatever the static storage does to the importing modules' names.

const root = document.documentElement;

// Other modules of the page speak through live.js's polite region, so that one voice keeps one rhythm:
// document.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: { text } })), said at once; with a
// `key` in the detail, queued and coalesced like the page's own background changes.
export const ANNOUNCE_EVENT = "cocreate:announce";

// live.js passes every message of the consultation stream on as this event (detail: the message; a
// snapshot has `reconnected: true` after a reconnect, when events may have been missed).
export const LIVE_EVENT = "cocreate:live";

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
