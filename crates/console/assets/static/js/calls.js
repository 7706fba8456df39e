// The live calls page: every live call as a tree of its legs (kind, party, direction, state), with
// tenant, from → to and duration, kept current by the event stream; a simulated leg can be hung up.

import { api, liveEvents, el, partyName, duration } from './api.js';

/** Ended calls stay on the page this long, marked ended. */
const ENDED_LINGER_MS = 10_000;

const calls = new Map();
const loading = new Map();
const list = document.getElementById('calls');

async function reloadAll() {
  const { value } = await api('/ringside/v1/calls');
  calls.clear();
  for (const call of value) calls.set(call.id, call);
  render();
}

/** Refetches one call; events in a burst coalesce into one request at a time per call. */
async function refresh(id) {
  if (loading.has(id)) {
    loading.set(id, true);
    return;
  }
  loading.set(id, false);
  try {
    const call = await api(`/ringside/v1/calls/${encodeURIComponent(id)}`);
    calls.set(id, call);
    if (call.state === 'ended') setTimeout(() => forget(id), ENDED_LINGER_MS);
  } catch (error) {
    console.warn(`call ${id}:`, error.message);
  } finally {
    const again = loading.get(id);
    loading.delete(id);
    render();
    if (again) refresh(id);
  }
}

function forget(id) {
  if (calls.get(id)?.state === 'ended') {
    calls.delete(id);
    render();
  }
}

function render() {
  const items = [...calls.values()]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map(callItem);
  list.replaceChildren(...items);
  const live = [...calls.values()].filter((call) => call.state !== 'ended').length;
  document.getElementById('count').textContent = String(live);
  document.getElementById('empty').hidden = calls.size > 0;
}

function callItem(call) {
  const [from, to] = call.legs;
  const header = el('header', {},
    el('a', { href: `/console/calls/${call.id}`, class: 'call-link' }, el('code', {}, call.id.slice(0, 8))),
    el('span', { class: 'state', 'data-state': call.state }, call.state),
    el('span', {}, `${partyName(from?.party)} → ${partyName(to?.party)}`),
    el('span', { class: 'muted' }, `tenant ${call.tenantId.slice(0, 8)}`),
    el('span', { class: 'duration', 'data-since': call.createdAt, 'data-until': call.endedAt ?? '' },
      duration(call.createdAt, call.endedAt)),
  );
  const legs = el('ul', { 'aria-label': 'legs' }, ...call.legs.map((leg) => legItem(call, leg)));
  return el('li', { class: 'call', 'data-call': call.id, 'data-state': call.state }, header, legs);
}

function legItem(call, leg) {
  const item = el('li', { class: 'leg', 'data-leg': leg.id, 'data-kind': leg.kind, 'data-state': leg.state },
    el('span', { class: 'kind' }, leg.kind),
    el('span', {}, partyName(leg.party)),
    el('span', { class: 'muted' }, leg.direction),
    el('span', { class: 'state', 'data-state': leg.state }, leg.state),
    leg.endReason ? el('span', { class: 'muted' }, leg.endReason) : null,
  );
  if (leg.simulatedRole && leg.state !== 'terminated') {
    const button = el('button', { type: 'button', class: 'hangup' }, 'Hang up');
    button.addEventListener('click', () => hangUp(call.id, leg.id, button));
    item.append(button);
  }
  return item;
}

async function hangUp(callId, legId, button) {
  button.disabled = true;
  try {
    await api(`/ringside/v1/calls/${callId}/legs/${legId}/hangup`, { method: 'POST' });
  } catch (error) {
    button.disabled = false;
    button.title = error.message;
  }
}

function tick() {
  for (const span of document.querySelectorAll('.duration')) {
    span.textContent = duration(span.dataset.since, span.dataset.until || undefined);
  }
}

liveEvents({
  onEvent: (event) => event.call && refresh(event.call),
  onReset: () => reloadAll().catch((error) => console.warn('calls:', error.message)),
});
setInterval(tick, 1000);
