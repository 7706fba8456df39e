// The alerts view: every kept alert (failed webhook deliveries, typed jambonz style:
// webhook-failure, webhook-connection-failure, webhook-auth-failure, throttled), newest first,
// with its call; new ones arrive live. Opening it clears the header's unread badge.

import { api, liveEvents, el, alertsSeen } from './api.js';

const list = document.getElementById('alerts');
const alerts = new Map();

function render() {
  const items = [...alerts.values()].sort((a, b) => b.id - a.id).map(item);
  list.replaceChildren(...items);
  document.getElementById('alerts-count').textContent = String(alerts.size);
  document.getElementById('alerts-empty').hidden = alerts.size > 0;
  window.__alerts = { count: alerts.size };
}

function item(alert) {
  const call = alert.call
    ? el('a', { href: `/console/calls/${encodeURIComponent(alert.call)}` }, 'call')
    : null;
  return el('li', { 'data-alert': alert.alert },
    el('time', { datetime: alert.time }, new Date(alert.time).toLocaleTimeString()),
    el('span', { class: 'alert-kind' }, alert.alert),
    el('span', {}, alert.message || '', ' ', el('code', {}, alert.url ?? ''), ' ',
      `attempt ${alert.attempt ?? '?'}`, ' ', call));
}

function add(alert) {
  alerts.set(alert.id, alert);
  render();
  alertsSeen(Math.max(...alerts.keys()));
}

async function reload() {
  const { value } = await api('/console/api/alerts');
  alerts.clear();
  value.forEach((alert) => alerts.set(alert.id, alert));
  render();
  alertsSeen(value.length > 0 ? value[0].id : 0);
}

const source = liveEvents({ onEvent: () => {}, onReset: () => reload().catch(console.warn) });
source.addEventListener('alert', (message) => add(JSON.parse(message.data)));
