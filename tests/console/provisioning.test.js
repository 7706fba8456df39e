// The provisioning page in headless Chromium, all through its forms: create an app (with a
// permission), add a secret (shown once), grant consent in the dev tenant, create a licensed user,
// acquire a number and assign it to that user with a number type; then `ringside admin … --json`
// sees the app, the consent and the assignment. An API error shows the envelope's message. Every
// resource's tab renders without errors; screenshots of the page at laptop and phone widths.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dev, shots, WAIT, launchBrowser, newPage, cli } from './support.js';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

const unique = Date.now().toString(36);

/** Opens a resource's tab in the dev tenant and waits for its table or form. */
async function open(page, resource) {
  await page.goto(`${dev.url}/console/provisioning?r=${resource}&tenant=${dev.tenantId}`);
  await page.waitForSelector(`#resource-body[data-resource="${resource}"] form`, WAIT);
}

/** Waits for `selector`; fails at once with the page's error message when one is shown instead. */
async function shows(page, selector) {
  const error = page.waitForSelector('#resource-error:not([hidden])', WAIT)
    .then(async () => { throw new Error(`the page shows: ${await page.locator('#resource-error').innerText()}`); });
  error.catch(() => {});
  await Promise.race([page.waitForSelector(selector, WAIT), error]);
}

/** Fills and submits the create form; waits for `row` (a selector) to appear. */
async function create(page, fields, row) {
  const form = page.locator('#resource-body form[data-form="create"]');
  for (const [name, value] of Object.entries(fields)) {
    const control = form.locator(`[name="${name}"]`);
    if (await control.evaluate((e) => e.tagName === 'SELECT')) await control.selectOption(value);
    else await control.fill(value);
  }
  await form.locator('button[type=submit]').click();
  if (row) await page.waitForSelector(row, WAIT);
}

test('an app, its consent and a number assignment made in the page are what the CLI sees', async () => {
  const { context, page, errors } = await newPage(browser);
  await page.goto(dev.console);

  // An app with one permission.
  await open(page, 'applications');
  const name = `Console bot ${unique}`;
  const form = page.locator('#resource-body form[data-form="create"]');
  await form.locator('[name="displayName"]').fill(name);
  await form.locator('fieldset[data-name="requestedPermissions"] input[value="Calls.AccessMedia.All"]').check();
  await form.locator('button[type=submit]').click();
  await shows(page, `#resource-body tr >> text=${name}`);
  const row = page.locator('#resource-body tr', { hasText: name });
  const appId = await row.getAttribute('data-key');

  // A secret, shown once.
  await row.locator('button[data-action="add-secret"]').click();
  await row.locator('form[data-form="add-secret"] button[type=submit]').click();
  await page.waitForSelector('#resource-once:not([hidden]) code.secret', WAIT);
  const secret = await page.locator('#resource-once code.secret').innerText();
  assert.ok(secret.length >= 20, 'the secret text is shown');

  // Consent in the dev tenant.
  await page.locator('#resource-body tr', { hasText: name }).locator('button[data-action="grant-consent"]').click();
  await page.click('#resources a[data-resource="consents"]');
  await shows(page, `#resource-body tr[data-key="${appId}"]`);
  assert.match(await page.locator(`#resource-body tr[data-key="${appId}"]`).innerText(), /Calls\.AccessMedia\.All/);
  await page.screenshot({ path: join(shots, 'provisioning-consents.png'), fullPage: true });

  // A licensed user, then a number assigned to them.
  const domain = (await (await page.evaluate(async () => (await fetch('/ringside/v1/tenants')).json())))
    .value.find((t) => t.id === dev.tenantId).domain;
  const upn = `console-${unique}@${domain}`;
  await open(page, 'users');
  const userForm = page.locator('#resource-body form[data-form="create"]');
  await userForm.locator('[name="userPrincipalName"]').fill(upn);
  await userForm.locator('[name="displayName"]').fill(`Console user ${unique}`);
  for (const licence of ['teamsPhone', 'callingPlan']) {
    await userForm.locator(`fieldset[data-name="licences"] input[value="${licence}"]`).check();
  }
  await userForm.locator('button[type=submit]').click();
  await shows(page, `#resource-body tr >> text=${upn}`);

  const number = `+1425556${String(Date.now() % 10_000).padStart(4, '0')}`;
  await open(page, 'numbers');
  await create(page, { phoneNumber: number, numberType: 'CallingPlan' }, null);
  await shows(page, `#resource-body tr[data-key="${number}"]`);
  const numberRow = page.locator(`#resource-body tr[data-key="${number}"]`);
  await numberRow.locator('button[data-action="assign"]').click();
  await numberRow.locator('form[data-form="assign"] [name="identity"]').fill(upn);
  await numberRow.locator('form[data-form="assign"] [name="phoneNumberType"]').selectOption('CallingPlan');
  await numberRow.locator('form[data-form="assign"] button[type=submit]').click();
  await shows(page, `#resource-body tr[data-key="${number}"] >> text=${upn}`);
  await page.screenshot({ path: join(shots, 'provisioning-numbers.png'), fullPage: true });

  // An API error is shown with the envelope's message.
  await create(page, { phoneNumber: number, numberType: 'CallingPlan' }, '#resource-error:not([hidden])');
  const message = await page.locator('#resource-error').innerText();
  assert.ok(message.length > 0 && !/^HTTP \d+$/.test(message), `the envelope's message: ${message}`);

  // The CLI sees it all.
  const app = await cli('get-application', '--app-id', appId);
  assert.equal(app.displayName, name);
  assert.deepEqual(app.requestedPermissions, ['Calls.AccessMedia.All']);
  assert.equal(app.secrets.length, 1);
  const consent = await cli('get-admin-consent', '--app-id', appId);
  assert.deepEqual(consent.grantedPermissions, ['Calls.AccessMedia.All']);
  const assignment = await cli('get-phone-number-assignment', '--telephone-number', number);
  assert.equal(assignment.assignedPstnTargetUpn ?? assignment.userPrincipalName, upn, JSON.stringify(assignment));
  assert.equal(assignment.numberType ?? assignment.phoneNumberType, 'CallingPlan');

  // The browser logs the deliberate 409; nothing else.
  const others = errors.filter((error) => !error.includes('status of 409'));
  assert.deepEqual(others, [], 'no other errors in the page (CSP violations included)');
  await context.close();
});

test('every resource tab renders, at laptop and phone widths', async () => {
  for (const viewport of [{ width: 1100, height: 800 }, { width: 390, height: 844 }]) {
    const { context, page, errors } = await newPage(browser, viewport);
    await page.goto(dev.console);
    await page.goto(`${dev.url}/console/provisioning`);
    const tabs = await page.locator('#resources a').evaluateAll((links) => links.map((a) => a.dataset.resource));
    assert.ok(tabs.length >= 9, `tabs: ${tabs}`);
    for (const resource of tabs) {
      await page.click(`#resources a[data-resource="${resource}"]`);
      await page.waitForSelector(`#resource-body[data-resource="${resource}"] > *`, WAIT);
      assert.ok(await page.locator('#resource-error').isHidden(),
        `${resource}: ${await page.locator('#resource-error').innerText()}`);
    }
    await page.click('#resources a[data-resource="applications"]');
    await page.waitForSelector('#resource-body[data-resource="applications"] table', WAIT);
    const suffix = viewport.width < 600 ? '-phone' : '';
    await page.screenshot({ path: join(shots, `provisioning${suffix}.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling at ${viewport.width} px (${overflow} px)`);
    assert.deepEqual(errors, [], 'no errors in the page (CSP violations included)');
    await context.close();
  }
});
