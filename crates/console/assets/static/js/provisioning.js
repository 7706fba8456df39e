// The provisioning page: one resource at a time (chosen with the tabs, kept in `?r=`), each a
// table of its rows with per-row actions and a create form, all defined in resources.js and all
// acting through the platform API with the console's cookie. Tenant-scoped resources follow the
// tenant picker, Event Grid subscriptions the ACS resource picker. API errors are shown with the
// envelope's message; a secret or key the API returns once is shown once, with a copy button.

import { api, liveEvents, el } from './api.js';
import { RESOURCES } from './resources.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  resource: RESOURCES.find((r) => r.id === params.get('r')) ?? RESOURCES[0],
  tenant: params.get('tenant') ?? '',
  acs: params.get('acs') ?? '',
};

/** What the resource definitions get: the scope, the API, and a way to show a one-time value. */
const context = {
  get tenant() { return state.tenant; },
  get acs() { return state.acs; },
  api: (path, options) => api(`/ringside/v1${path}`, options),
  showOnce,
  enums: {},
};

function tabs() {
  $('resources').replaceChildren(...RESOURCES.map((resource) => el('a', {
    href: `?r=${resource.id}`,
    'aria-current': resource === state.resource ? 'page' : null,
    'data-resource': resource.id,
  }, resource.title)));
  $('resources').addEventListener('click', (event) => {
    const link = event.target.closest('a[data-resource]');
    if (!link) return;
    event.preventDefault();
    select(RESOURCES.find((r) => r.id === link.dataset.resource));
  });
}

function select(resource) {
  state.resource = resource;
  for (const link of $('resources').querySelectorAll('a')) {
    if (link.dataset.resource === resource.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  remember();
  showOnce(null);
  load();
}

function remember() {
  const query = new URLSearchParams({ r: state.resource.id });
  if (state.tenant) query.set('tenant', state.tenant);
  if (state.acs) query.set('acs', state.acs);
  history.replaceState(null, '', `?${query}`);
}

/** Fills the tenant and ACS pickers (keeping the choice when it still exists). */
async function scopes() {
  const [tenants, acs] = await Promise.all([context.api('/tenants'), context.api('/acsResources')]);
  fill($('tenant'), tenants.value, (t) => t.id, (t) => `${t.displayName} (${t.domain})`, 'tenant');
  fill($('acs'), acs.value, (a) => a.id, (a) => `${a.name}`, 'acs');
}

function fill(select, rows, value, label, key) {
  select.replaceChildren(...rows.map((row) => el('option', { value: value(row) }, label(row))));
  if (!rows.some((row) => value(row) === state[key])) state[key] = rows[0] ? value(rows[0]) : '';
  select.value = state[key];
}

/** The enumerations the forms offer, read from the platform's OpenAPI document (the one source
 * of truth): every enum found under these property names anywhere in it. */
const ENUMS = {
  permissions: ['requestedPermissions'], licences: ['licences', 'licence'],
  numberTypes: ['numberType', 'phoneNumberType'], eventTypes: ['includedEventTypes'],
  deliverySchemas: ['eventDeliverySchema'],
};

async function enums() {
  const document = await api('/ringside/v1/openapi.json');
  const found = Object.fromEntries(Object.keys(ENUMS).map((key) => [key, new Set()]));
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    for (const [name, value] of Object.entries(node.properties ?? {})) {
      const values = value?.enum ?? value?.items?.enum;
      if (!values) continue;
      for (const [key, names] of Object.entries(ENUMS)) {
        if (names.includes(name)) values.forEach((v) => found[key].add(v));
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(document);
  context.enums = Object.fromEntries(Object.entries(found).map(([key, set]) => [key, [...set]]));
}

/** After a change: the pickers (a tenant or ACS resource may be new or gone), then the table. */
const refresh = () => scopes().then(load);

async function load() {
  const resource = state.resource;
  $('tenant-scope').hidden = resource.scope !== 'tenant';
  $('acs-scope').hidden = resource.scope !== 'acs';
  $('resource-title').textContent = resource.title;
  document.title = `${resource.title} · Provisioning · Ringside console`;
  error(null);
  const body = $('resource-body');
  const show = (...children) => {
    body.replaceChildren(...children);
    body.dataset.resource = resource.id;
  };
  if (resource.scope && !state[resource.scope]) {
    show(el('p', { class: 'muted' }, `Create a ${resource.scope === 'acs' ? 'ACS resource' : 'tenant'} first.`));
    return;
  }
  try {
    const rows = resource.list ? (await context.api(resource.list(context))).value ?? [] : [];
    if (state.resource !== resource) return;
    const forms = [resource.create, ...(resource.forms ?? [])].filter(Boolean);
    show(...[
      resource.list ? table(resource, rows) : null,
      ...forms.map((spec) => form(spec, null, refresh)),
    ].filter(Boolean));
  } catch (failure) {
    if (state.resource !== resource) return;
    show();
    error(failure.message);
  }
}

function table(resource, rows) {
  if (rows.length === 0) return el('p', { class: 'muted empty' }, `No ${resource.title.toLowerCase()} yet.`);
  const head = el('tr', {}, ...resource.columns.map(([name]) => el('th', { scope: 'col' }, name)),
    resource.actions?.length ? el('th', { scope: 'col' }, 'Actions') : null);
  const body = rows.map((row) => el('tr', { 'data-key': resource.key(row) },
    ...resource.columns.map(([name, value]) => el('td', { 'data-label': name }, cell(value(row)))),
    resource.actions?.length ? el('td', { 'data-label': 'Actions' }, el('div', { class: 'actions' },
      ...resource.actions.filter((a) => !a.when || a.when(row)).map((action) => actionButton(action, row)))) : null));
  return el('div', { class: 'table' }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)));
}

function cell(value) {
  if (value === undefined || value === null || value === '') return el('span', { class: 'muted' }, '—');
  if (Array.isArray(value)) return value.length ? value.join(', ') : el('span', { class: 'muted' }, '—');
  return String(value);
}

/** A row's action: runs at once (after a confirmation for dangerous ones) or opens its form. */
function actionButton(action, row) {
  const button = el('button', { type: 'button', 'data-action': action.id, class: action.danger ? 'danger' : null }, action.label);
  button.addEventListener('click', async () => {
    if (action.fields) {
      const cellOf = button.closest('td');
      cellOf.querySelector('form')?.remove();
      const opened = form(action, row, refresh);
      cellOf.append(opened);
      opened.querySelector('input, select, textarea')?.focus();
      return;
    }
    if (action.danger && !confirm(`${action.label}: are you sure?`)) return;
    button.disabled = true;
    try {
      await action.run(row, {}, context);
      await refresh();
    } catch (failure) {
      error(failure.message);
      button.disabled = false;
    }
  });
  return button;
}

/** A form for `spec` (a create or an action with fields); `done` after a successful run. */
function form(spec, row, done) {
  const inputs = spec.fields.map((field) => input(field, row));
  const submit = el('button', { type: 'submit' }, spec.submit ?? spec.label ?? 'Create');
  const element = el('form', { class: 'resource-form', 'data-form': spec.id ?? 'create' },
    spec.title ? el('h3', {}, spec.title) : null, ...inputs.map((i) => i.label), submit);
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error(null);
    try {
      const values = Object.fromEntries(inputs.map((i) => [i.field.name, i.value()]));
      await spec.run(row, values, context);
      await done();
    } catch (failure) {
      error(failure.message);
    } finally {
      submit.disabled = false;
    }
  });
  return element;
}

function input(field, row) {
  const initial = typeof field.value === 'function' ? field.value(row, context) : field.value;
  const attributes = { name: field.name, required: field.required ? '' : null, placeholder: field.placeholder ?? null };
  let control;
  if (field.type === 'select') {
    const options = (typeof field.options === 'function' ? field.options(row, context) : field.options) ?? [];
    control = el('select', attributes, ...options.map((option) => el('option', { value: option }, option)));
    if (initial !== undefined) control.value = initial;
  } else if (field.type === 'textarea') {
    control = el('textarea', { ...attributes, rows: '6' }, initial ?? '');
  } else if (field.type === 'checkboxes') {
    const options = (typeof field.options === 'function' ? field.options(row, context) : field.options) ?? [];
    const chosen = new Set(initial ?? []);
    const boxes = options.map((option) => el('label', { class: 'check' },
      el('input', { type: 'checkbox', value: option, checked: chosen.has(option) ? '' : null }), option));
    const group = el('fieldset', { 'data-name': field.name }, el('legend', {}, field.label), ...boxes);
    return {
      field, label: group,
      value: () => [...group.querySelectorAll('input:checked')].map((box) => box.value),
    };
  } else {
    control = el('input', { ...attributes, type: field.type ?? 'text', value: initial ?? null, autocomplete: 'off' });
  }
  return {
    field,
    label: el('label', {}, field.label, ' ', control),
    value: () => {
      const raw = control.value.trim();
      if (field.list) return raw ? raw.split(',').map((part) => part.trim()).filter(Boolean) : [];
      return raw;
    },
  };
}

function error(message) {
  const shown = $('resource-error');
  shown.textContent = message ?? '';
  shown.hidden = !message;
}

/** Shows values the API returns once (a secret, a key), with copy buttons; null hides. */
function showOnce(entries, note = 'Shown once: copy it now.') {
  const box = $('resource-once');
  if (!entries) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.replaceChildren(el('p', {}, note), ...entries.map(([name, value]) => {
    const copy = el('button', { type: 'button' }, 'Copy');
    copy.addEventListener('click', () => navigator.clipboard?.writeText(value).catch(() => {}));
    return el('p', {}, `${name}: `, el('code', { class: 'secret' }, value), ' ', copy);
  }));
  box.hidden = false;
  box.focus?.();
}

$('tenant').addEventListener('change', () => { state.tenant = $('tenant').value; remember(); load(); });
$('acs').addEventListener('change', () => { state.acs = $('acs').value; remember(); load(); });
tabs();
liveEvents({
  onEvent: () => {},
  onReset: () => enums().then(refresh).catch((failure) => error(failure.message)),
});
