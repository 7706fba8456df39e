// The provisioning page's resources, each a small definition the page turns into a table and
// forms (provisioning.js): `id` and `title`; `scope` ('tenant' or 'acs': the picker it follows);
// `list(ctx)` the platform API path of its rows (`{value: [...]}`); `key(row)`; `columns`
// ([heading, row → text or list]); `create` and each of `actions` a form spec: `fields` (name,
// label, type: text/select/checkboxes/textarea, required, list: comma-separated, options, value)
// and `run(row, values, ctx)`; an action without fields runs on click (`danger`: confirmed first;
// `when(row)`: shown only then); `forms`, more forms besides `create`. `ctx` has `tenant`, `acs`, `api(path, options)` (the platform API
// under /ringside/v1), `showOnce([[name, value]…])` and `enums` (from the OpenAPI document).
// Adding a resource (say, Direct Routing gateways) is adding one entry here.

const enc = encodeURIComponent;
const POST = (body) => ({ method: 'POST', body });
const PATCH = (body) => ({ method: 'PATCH', body });
const PUT = (body) => ({ method: 'PUT', body });
const DELETE = { method: 'DELETE' };
/** Drops empty strings and empty lists, so optional fields stay absent. */
const present = (values) => Object.fromEntries(Object.entries(values)
  .filter(([, v]) => v !== '' && !(Array.isArray(v) && v.length === 0)));
const tenantPath = (ctx, rest) => `/tenants/${enc(ctx.tenant)}${rest}`;

const tenants = {
  id: 'tenants',
  title: 'Tenants',
  list: () => '/tenants',
  key: (t) => t.id,
  columns: [['Name', (t) => t.displayName], ['Domain', (t) => t.domain], ['Id', (t) => t.id]],
  create: {
    title: 'New tenant',
    fields: [
      { name: 'displayName', label: 'Display name', required: true },
      { name: 'domain', label: 'Domain', required: true, placeholder: 'contoso.example' },
    ],
    run: (_, values, ctx) => ctx.api('/tenants', POST(values)),
  },
};

const applications = {
  id: 'applications',
  title: 'Apps',
  scope: 'tenant',
  list: () => '/applications',
  key: (a) => a.appId,
  columns: [
    ['Name', (a) => a.displayName],
    ['App id', (a) => a.appId],
    ['Permissions', (a) => a.requestedPermissions],
    ['Webhook', (a) => a.bot?.callingWebhookUrl],
    ['Secrets', (a) => a.secrets.map((s) => `${s.displayName ?? s.keyId.slice(0, 8)} (${s.hint}…)`)],
  ],
  create: {
    title: 'New app (home tenant: the picked tenant)',
    fields: [
      { name: 'displayName', label: 'Display name', required: true },
      { name: 'requestedPermissions', label: 'Requested permissions', type: 'checkboxes', options: (_, ctx) => ctx.enums.permissions },
      { name: 'callingWebhookUrl', label: 'Calling webhook URL', type: 'url', placeholder: 'https://bot.example/calling' },
    ],
    run: (_, { callingWebhookUrl, ...values }, ctx) => ctx.api('/applications', POST(present({
      ...values,
      homeTenantId: ctx.tenant,
      bot: callingWebhookUrl ? { callingWebhookUrl } : undefined,
    }))),
  },
  actions: [
    {
      id: 'edit',
      label: 'Edit',
      submit: 'Save',
      fields: [
        { name: 'displayName', label: 'Display name', required: true, value: (a) => a.displayName },
        { name: 'requestedPermissions', label: 'Requested permissions', type: 'checkboxes', options: (_, ctx) => ctx.enums.permissions, value: (a) => a.requestedPermissions },
        { name: 'callingWebhookUrl', label: 'Calling webhook URL (empty: none)', type: 'url', value: (a) => a.bot?.callingWebhookUrl ?? '' },
      ],
      run: (a, { callingWebhookUrl, ...values }, ctx) => ctx.api(`/applications/${enc(a.appId)}`,
        PATCH({ ...values, bot: { callingWebhookUrl: callingWebhookUrl || null } })),
    },
    {
      id: 'add-secret',
      label: 'Add secret',
      submit: 'Add',
      fields: [
        { name: 'displayName', label: 'Description' },
        { name: 'expiresInDays', label: 'Expires in days', type: 'number', value: '180' },
      ],
      run: async (a, { displayName, expiresInDays }, ctx) => {
        const secret = await ctx.api(`/applications/${enc(a.appId)}/secrets`,
          POST(present({ displayName, expiresInDays: expiresInDays ? Number(expiresInDays) : '' })));
        ctx.showOnce([[`Secret ${secret.keyId} of ${a.displayName}`, secret.secretText]]);
      },
    },
    {
      id: 'remove-secret',
      label: 'Remove secret',
      submit: 'Remove',
      when: (a) => a.secrets.length > 0,
      fields: [{ name: 'keyId', label: 'Secret', type: 'select', options: (a) => a.secrets.map((s) => s.keyId) }],
      run: (a, { keyId }, ctx) => ctx.api(`/applications/${enc(a.appId)}/secrets/${enc(keyId)}`, DELETE),
    },
    {
      id: 'grant-consent',
      label: 'Grant consent',
      run: (a, _, ctx) => ctx.api(tenantPath(ctx, `/consents/${enc(a.appId)}`), PUT(undefined)),
    },
    {
      id: 'revoke-consent',
      label: 'Revoke consent',
      danger: true,
      run: (a, _, ctx) => ctx.api(tenantPath(ctx, `/consents/${enc(a.appId)}`), DELETE),
    },
  ],
};

const consents = {
  id: 'consents',
  title: 'Consents',
  scope: 'tenant',
  list: (ctx) => tenantPath(ctx, '/consents'),
  key: (c) => c.appId,
  columns: [
    ['App id', (c) => c.appId],
    ['Granted', (c) => c.grantedPermissions],
    ['Requested', (c) => c.requestedPermissions],
    ['Needs consent', (c) => (c.consentRequired ? 'yes' : 'no')],
    ['Granted at', (c) => c.grantedAt],
  ],
  actions: [
    { id: 'grant-consent', label: 'Re-grant', run: (c, _, ctx) => ctx.api(tenantPath(ctx, `/consents/${enc(c.appId)}`), PUT(undefined)) },
    { id: 'revoke-consent', label: 'Revoke', danger: true, run: (c, _, ctx) => ctx.api(tenantPath(ctx, `/consents/${enc(c.appId)}`), DELETE) },
  ],
};

const users = {
  id: 'users',
  title: 'Users',
  scope: 'tenant',
  list: (ctx) => tenantPath(ctx, '/users'),
  key: (u) => u.id,
  columns: [
    ['Name', (u) => u.displayName], ['UPN', (u) => u.userPrincipalName],
    ['Licences', (u) => u.licences], ['Number', (u) => u.phoneNumber], ['Id', (u) => u.id],
  ],
  create: {
    title: 'New user',
    fields: [
      { name: 'userPrincipalName', label: 'User principal name', required: true, placeholder: 'ada@contoso.example' },
      { name: 'displayName', label: 'Display name', required: true },
      { name: 'licences', label: 'Licences', type: 'checkboxes', options: (_, ctx) => ctx.enums.licences },
    ],
    run: (_, values, ctx) => ctx.api(tenantPath(ctx, '/users'), POST(present(values))),
  },
  actions: [
    { id: 'delete', label: 'Delete', danger: true, run: (u, _, ctx) => ctx.api(tenantPath(ctx, `/users/${enc(u.id)}`), DELETE) },
  ],
};

const resourceAccounts = {
  id: 'resource-accounts',
  title: 'Resource accounts',
  scope: 'tenant',
  list: (ctx) => tenantPath(ctx, '/applicationInstances'),
  key: (i) => i.id,
  columns: [
    ['Name', (i) => i.displayName], ['UPN', (i) => i.userPrincipalName], ['App id', (i) => i.applicationId],
    ['Number', (i) => i.phoneNumber], ['Licences', (i) => i.licences], ['ACS resource', (i) => i.acsResourceId],
  ],
  create: {
    title: 'New resource account',
    fields: [
      { name: 'userPrincipalName', label: 'User principal name', required: true, placeholder: 'bot@contoso.example' },
      { name: 'displayName', label: 'Display name', required: true },
      { name: 'applicationId', label: 'App id', required: true },
    ],
    run: (_, values, ctx) => ctx.api(tenantPath(ctx, '/applicationInstances'), POST(values)),
  },
  actions: [
    {
      id: 'edit',
      label: 'Edit',
      submit: 'Save',
      fields: [
        { name: 'displayName', label: 'Display name', required: true, value: (i) => i.displayName },
        { name: 'applicationId', label: 'App id', required: true, value: (i) => i.applicationId },
        { name: 'acsResourceId', label: 'ACS resource id (empty: none)', value: (i) => i.acsResourceId ?? '' },
      ],
      run: (i, { acsResourceId, ...values }, ctx) => ctx.api(tenantPath(ctx, `/applicationInstances/${enc(i.id)}`),
        PATCH({ ...values, acsResourceId: acsResourceId || null })),
    },
    {
      id: 'licence',
      label: 'Licence',
      submit: 'Add licence',
      fields: [{ name: 'licence', label: 'Licence', type: 'select', options: (_, ctx) => ctx.enums.licences }],
      run: (i, values, ctx) => ctx.api(tenantPath(ctx, `/accounts/${enc(i.id)}/licences`), POST(values)),
    },
    {
      id: 'number',
      label: 'Number',
      submit: 'Set number',
      fields: [{ name: 'telephoneNumber', label: 'E.164 number (empty: unassign)', value: (i) => i.phoneNumber ?? '' }],
      run: (i, { telephoneNumber }, ctx) => ctx.api(tenantPath(ctx, `/applicationInstances/${enc(i.id)}/telephoneNumber`),
        PUT({ telephoneNumber: telephoneNumber || null })),
    },
  ],
};

const numbers = {
  id: 'numbers',
  title: 'Numbers',
  scope: 'tenant',
  list: (ctx) => tenantPath(ctx, '/phoneNumbers'),
  key: (n) => n.telephoneNumber,
  columns: [
    ['Number', (n) => n.telephoneNumber], ['Type', (n) => n.numberType], ['Status', (n) => n.pstnAssignmentStatus],
    ['Assigned to', (n) => n.assignedPstnTargetUpn],
  ],
  create: {
    title: 'Acquire a number',
    fields: [
      { name: 'phoneNumber', label: 'E.164 number', required: true, placeholder: '+14255550123' },
      { name: 'numberType', label: 'Number type', type: 'select', options: (_, ctx) => ctx.enums.numberTypes },
    ],
    submit: 'Acquire',
    run: (_, values, ctx) => ctx.api(tenantPath(ctx, '/phoneNumbers'), POST(values)),
  },
  actions: [
    {
      id: 'assign',
      label: 'Assign',
      when: (n) => !n.assignedPstnTargetId,
      fields: [
        { name: 'identity', label: 'User or resource account (UPN or id)', required: true },
        { name: 'phoneNumberType', label: 'Number type', type: 'select', options: (_, ctx) => ctx.enums.numberTypes, value: (n) => n.numberType },
      ],
      run: (n, values, ctx) => ctx.api(tenantPath(ctx, `/phoneNumbers/${enc(n.telephoneNumber)}/assignment`), POST(values)),
    },
    {
      id: 'unassign',
      label: 'Unassign',
      danger: true,
      when: (n) => Boolean(n.assignedPstnTargetId),
      run: (n, _, ctx) => ctx.api(tenantPath(ctx, `/phoneNumbers/${enc(n.telephoneNumber)}/assignment`), DELETE),
    },
    {
      id: 'release',
      label: 'Release',
      danger: true,
      when: (n) => !n.assignedPstnTargetId,
      run: (n, _, ctx) => ctx.api(tenantPath(ctx, `/phoneNumbers/${enc(n.telephoneNumber)}`), DELETE),
    },
  ],
};

const acsResources = {
  id: 'acs',
  title: 'ACS resources',
  list: () => '/acsResources',
  key: (r) => r.id,
  columns: [
    ['Name', (r) => r.name], ['Tenant', (r) => r.tenantId], ['Endpoint', (r) => r.endpoint], ['Id', (r) => r.id],
  ],
  create: {
    title: 'New ACS resource (in the picked tenant)',
    fields: [
      { name: 'name', label: 'Name', required: true },
      { name: 'displayName', label: 'Display name' },
      { name: 'tenantId', label: 'Tenant id', required: true, value: (_, ctx) => ctx.tenant },
    ],
    run: (_, values, ctx) => ctx.api('/acsResources', POST(present(values))),
  },
  actions: [
    {
      id: 'connection-string',
      label: 'Connection string',
      run: async (r, _, ctx) => ctx.showOnce([[`${r.name} connection string`, r.connectionString]]),
    },
    {
      id: 'rotate',
      label: 'Rotate key',
      submit: 'Rotate',
      fields: [{ name: 'keyType', label: 'Key', type: 'select', options: ['primary', 'secondary'] }],
      run: async (r, values, ctx) => {
        const rotated = await ctx.api(`/acsResources/${enc(r.id)}/keys/rotate`, POST(values));
        ctx.showOnce([[`${r.name} ${values.keyType} connection string`,
          values.keyType === 'primary' ? rotated.connectionString : rotated.secondaryConnectionString]]);
      },
    },
  ],
};

const eventSubscriptions = {
  id: 'event-subscriptions',
  title: 'Event Grid subscriptions',
  scope: 'acs',
  list: (ctx) => `/acsResources/${enc(ctx.acs)}/eventSubscriptions`,
  key: (s) => s.name,
  columns: [
    ['Name', (s) => s.name], ['Endpoint', (s) => s.endpoint], ['Event types', (s) => s.includedEventTypes],
    ['Schema', (s) => s.eventDeliverySchema],
  ],
  create: {
    title: 'New subscription',
    fields: [
      { name: 'name', label: 'Name', required: true },
      { name: 'endpoint', label: 'Endpoint (https)', type: 'url', required: true },
      { name: 'includedEventTypes', label: 'Event types', type: 'checkboxes', options: (_, ctx) => ctx.enums.eventTypes, value: () => ['Microsoft.Communication.IncomingCall'] },
      { name: 'eventDeliverySchema', label: 'Schema', type: 'select', options: (_, ctx) => ctx.enums.deliverySchemas },
    ],
    run: (_, values, ctx) => ctx.api(`/acsResources/${enc(ctx.acs)}/eventSubscriptions`, POST(present(values))),
  },
  actions: [
    { id: 'delete', label: 'Delete', danger: true, run: (s, _, ctx) => ctx.api(`/acsResources/${enc(ctx.acs)}/eventSubscriptions/${enc(s.name)}`, DELETE) },
  ],
};

/** Simulated phones have no list: forms look one up, set it, or reset it to the default. */
const behaviourPath = (endpoint) => `/phones/${enc(endpoint)}/behaviour`;
const endpointField = { name: 'endpoint', label: 'Number, user id, UPN or rawId', required: true, placeholder: '+14255550199' };
const behaviours = {
  id: 'behaviours',
  title: 'Simulated phones',
  list: null,
  forms: [
    {
      id: 'show-behaviour',
      title: 'Look one up',
      submit: 'Show',
      fields: [endpointField],
      run: async (_, { endpoint }, ctx) => {
        const current = await ctx.api(behaviourPath(endpoint));
        ctx.showOnce([[endpoint, JSON.stringify(current)]], 'Current behaviour.');
      },
    },
    {
      id: 'set-behaviour',
      title: 'Set how it answers and what it does',
      submit: 'Save behaviour',
      fields: [
        endpointField,
        { name: 'behaviour', label: 'Behaviour (JSON, see PhoneBehaviour in the OpenAPI document)', type: 'textarea', required: true, value: '{"answer": "auto", "answerAfter": "1s"}' },
      ],
      run: async (_, { endpoint, behaviour }, ctx) => {
        let body;
        try {
          body = JSON.parse(behaviour);
        } catch (error) {
          throw new Error(`The behaviour is not JSON: ${error.message}`);
        }
        const saved = await ctx.api(behaviourPath(endpoint), PUT(body));
        ctx.showOnce([[endpoint, JSON.stringify(saved)]], 'Saved.');
      },
    },
    {
      id: 'reset-behaviour',
      title: 'Back to the default',
      submit: 'Reset',
      fields: [endpointField],
      run: async (_, { endpoint }, ctx) => {
        await ctx.api(behaviourPath(endpoint), DELETE);
        ctx.showOnce([[endpoint, 'the default behaviour']], 'Reset.');
      },
    },
  ],
};

export const RESOURCES = [
  tenants, applications, consents, users, resourceAccounts, numbers, acsResources,
  eventSubscriptions, behaviours,
];
