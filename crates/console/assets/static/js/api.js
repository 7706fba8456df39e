// The console's client: JSON requests to the platform API and the console's own API (with the
// session cookie), the live event stream with the alerts' unread badge, and small DOM helpers
// (text only, never HTML).

/** Requests `path` and returns its JSON (null for an empty body); throws on a non-2xx status. */
export async function api(path, { method = 'GET', body } = {}) {
  const options = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    options.headers['content-type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (response.status === 401) {
    location.assign('/console/login');
    throw new Error('signed out');
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error(json?.error?.message ?? `HTTP ${response.status}`);
  }
  return json;
}

/**
 * Opens the live event stream. `onEvent(event)` gets each engine event (parsed JSON);
 * `onReset()` is called when the page must reload its state (first connection, a gap).
 */
export function liveEvents({ onEvent, onReset }) {
  const status = document.getElementById('stream');
  const source = new EventSource('/console/events');
  const show = (state, text) => {
    if (status) {
      status.dataset.state = state;
      status.textContent = text;
    }
  };
  let opened = false;
  source.addEventListener('ready', () => {
    show('live', 'live');
    if (!opened) {
      opened = true;
      onReset();
    }
  });
  source.addEventListener('reset', () => onReset());
  source.onerror = () => show('connecting', 'reconnecting…');
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => onEvent(JSON.parse(message.data)));
  }
  window.__consoleEvents = source;
  unreadAlerts(source).catch((error) => console.warn('alerts:', error.message));
  return source;
}

/** Where the id of the newest alert seen in the alerts view is kept. */
const ALERTS_SEEN = 'ringside.console.alertsSeen';
/** The ids of the alerts newer than the newest seen: from the stream and from one listing. */
const unread = new Set();

/**
 * The header's badge: alerts newer than the newest one the alerts view showed, kept current. The
 * listing is read once the stream is live (`ready`), and an alert both listed and streamed counts
 * once, whichever arrives first.
 */
async function unreadAlerts(source) {
  source.addEventListener('alert', (message) => countUnread([JSON.parse(message.data)]));
  await new Promise((resolve) => source.addEventListener('ready', resolve, { once: true }));
  const { value } = await api('/console/api/alerts');
  countUnread(value);
}

function countUnread(alerts) {
  const seen = seenAlert();
  for (const alert of alerts) if (alert.id > seen) unread.add(alert.id);
  showBadge(unread.size);
}

function seenAlert() {
  return Number(localStorage.getItem(ALERTS_SEEN) ?? 0);
}

function showBadge(count) {
  const element = document.getElementById('alerts-badge');
  if (!element) return;
  element.textContent = String(count);
  element.hidden = count === 0;
  element.setAttribute('aria-label', `${count} unread`);
}

/** The alerts view showed every alert up to `id`: the badge clears. */
export function alertsSeen(id) {
  if (id > seenAlert()) localStorage.setItem(ALERTS_SEEN, String(id));
  unread.clear();
  showBadge(0);
}

/** The engine event types the stream carries. */
export const EVENT_TYPES = [
  'call.offered', 'leg.state', 'roster', 'operation.completed', 'tone', 'leg.moved',
  'transfer.accepted', 'transfer.failed', 'participant.added', 'participant.addFailed',
  'participant.removed',
];

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== undefined && child !== null) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/** A party's short name: display name, number or id. */
export function partyName(party) {
  if (!party) return '?';
  return party.displayName ?? party.number ?? party.id ?? party.kind ?? '?';
}

/** `h:mm:ss` or `m:ss` since `since` (an ISO time) until `until` (default now). */
export function duration(since, until) {
  const end = until ? Date.parse(until) : Date.now();
  const seconds = Math.max(0, Math.floor((end - Date.parse(since)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
