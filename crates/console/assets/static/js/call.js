// One call's page: its legs, and a time-ordered timeline of everything the console knows about it
// (the engine events, deliveries and alerts the hub kept, live ones as they come, and each
// simulated leg's log; each engine row carries its event's id and type), with the raw JSON of it
// all and a copy button.

import { api, liveEvents, el, partyName } from './api.js';

const callId = decodeURIComponent(location.pathname.split('/').pop() ?? '');
const state = { call: null, events: new Map(), logs: new Map() };

async function reload() {
  const [call, timeline] = await Promise.all([
    api(`/ringside/v1/calls/${encodeURIComponent(callId)}`),
    api(`/console/api/calls/${encodeURIComponent(callId)}/events`).catch(() => ({ value: [] })),
  ]);
  state.call = call;
  for (const event of timeline.value) state.events.set(event.id, event);
  await loadLogs();
  render();
}

/** The detection logs of the call's simulated legs (their view of the call). */
async function loadLogs() {
  const simulated = state.call.legs.filter((leg) => leg.simulatedRole);
  const logs = await Promise.all(simulated.map((leg) =>
    api(`/ringside/v1/calls/${callId}/legs/${leg.id}/log`).catch(() => null)));
  simulated.forEach((leg, i) => logs[i] && state.logs.set(leg.id, logs[i]));
}

function timelineRows() {
  const rows = [...state.events.values()].map((event) => ({
    time: event.time, what: event.type, detail: describe(event), source: 'engine', event: String(event.id),
  }));
  for (const [legId, log] of state.logs) {
    const start = Date.parse(log.createdAt);
    for (const entry of log.entries ?? []) {
      const at = entry.atMs !== undefined ? new Date(start + entry.atMs).toISOString() : log.createdAt;
      rows.push({ time: at, what: `leg ${legId.slice(0, 8)}: ${entry.type ?? 'log'}`, detail: JSON.stringify(entry), source: 'leg' });
    }
  }
  return rows.sort((a, b) => a.time.localeCompare(b.time));
}

function describe(event) {
  const { id, type, time, call, ...rest } = event;
  return Object.entries(rest)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${name}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(' ');
}

function render() {
  const call = state.call;
  document.getElementById('call-id').textContent = call.id;
  const callState = document.getElementById('call-state');
  callState.textContent = call.state;
  callState.dataset.state = call.state;
  document.getElementById('legs').replaceChildren(...call.legs.map((leg) =>
    el('li', { class: 'leg', 'data-leg': leg.id, 'data-state': leg.state },
      el('span', { class: 'kind' }, leg.kind),
      el('span', {}, partyName(leg.party)),
      el('span', { class: 'muted' }, leg.direction),
      el('span', { class: 'state', 'data-state': leg.state }, leg.state),
      leg.endReason ? el('span', { class: 'muted' }, leg.endReason) : null)));
  document.getElementById('timeline').replaceChildren(...timelineRows().map((row) =>
    el('li', { 'data-source': row.source, 'data-event': row.event, 'data-type': row.source === 'engine' ? row.what : undefined },
      el('time', { datetime: row.time }, row.time.slice(11, 23)),
      el('strong', {}, row.what),
      el('span', {}, row.detail))));
  const raw = { call, events: [...state.events.values()], logs: Object.fromEntries(state.logs) };
  document.getElementById('raw').textContent = JSON.stringify(raw, null, 2);
}

document.getElementById('copy').addEventListener('click', async () => {
  const status = document.getElementById('copied');
  try {
    await navigator.clipboard.writeText(document.getElementById('raw').textContent);
    status.textContent = 'copied';
  } catch {
    status.textContent = 'copy failed: select the text instead';
  }
});

let pending = null;
function onEvent(event) {
  if (event.call !== callId) return;
  state.events.set(event.id, event);
  clearTimeout(pending);
  pending = setTimeout(() => reload().catch(() => render()), 100);
  if (state.call) render();
}
const source = liveEvents({
  onEvent,
  onReset: () => reload().catch((error) => {
    document.getElementById('call-state').textContent = error.message;
  }),
});
// A recording of this call was written (it is on the recordings page).
source.addEventListener('recording.ready', (message) => onEvent(JSON.parse(message.data)));

/** A delivery attempt or an alert of this call: shown as it comes (it changes no leg, no reload). */
function onRecord(event) {
  if (event.call !== callId) return;
  state.events.set(event.id, event);
  if (state.call) render();
}
for (const type of ['delivery', 'alert']) {
  source.addEventListener(type, (message) => onRecord(JSON.parse(message.data)));
}
