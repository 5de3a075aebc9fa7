// Issue 5's first journey: the demo admin invites a recruiter, who accepts from the e-mailed link
// and signs in with the role the admin chose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, PASSWORD, launch, openPage, cspViolations, uniqueEmail, waitForMail, linkIn, signInDemoAdmin,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an admin invites a recruiter, who accepts and signs in', async () => {
  const admin = await openPage(browser);
  const a = admin.page;
  await signInDemoAdmin(a);
  await a.click('nav >> text=Users');
  await a.waitForURL(`${BASE}/admin/users`);
  await a.waitForSelector('body[data-hydrated="true"]');
  const email = uniqueEmail('rae');
  await a.fill('#display_name', 'Rae Recruiter');
  await a.fill('#email', email);
  await a.selectOption('#role', 'recruiter');
  await a.click('button:has-text("Send the invitation")');
  await a.waitForSelector('text=The invitation is on its way');
  await a.waitForSelector(`td:has-text("${email}")`);

  const mail = await waitForMail(email, /invites you to Candor/);
  const invitee = await openPage(browser);
  const r = invitee.page;
  await r.goto(`${BASE}${linkIn(mail, '/invite/')}`);
  await r.waitForSelector('body[data-hydrated="true"]');
  await r.fill('#display_name', 'Rae Recruiter');
  await r.fill('#password', PASSWORD);
  await r.click('button:has-text("Join")');
  await r.waitForURL(/\/login/);
  await r.fill('#email', email);
  await r.fill('#password', PASSWORD);
  await r.click('button[type=submit]');
  await r.waitForURL(`${BASE}/app`);
  assert.match(await r.textContent('nav[aria-label=Main]'), /Recruitments/);
  assert.doesNotMatch(await r.textContent('nav[aria-label=Main]'), /Users/);

  for (const s of [admin, invitee]) {
    assert.deepEqual(await cspViolations(s.page), []);
    assert.deepEqual(s.problems, []);
  }
});

test('an admin creates an API key, an integration uses it, the admin revokes it and the next call fails', async () => {
  const admin = await openPage(browser);
  const a = admin.page;
  await signInDemoAdmin(a);
  await a.click('nav >> text=API keys');
  await a.waitForURL(`${BASE}/admin/api-keys`);
  await a.waitForSelector('body[data-hydrated="true"]');
  await a.fill('#name', 'Nightly HR sync');
  await a.check('#scope_read');
  await a.click('button:has-text("Create the key")');
  const key = (await a.textContent('[data-testid=new-api-key]', { timeout: 20000 })).trim();
  assert.match(key, /^cnd_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);

  // The integration, like curl: the key as a bearer token.
  const call = (path) => fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const list = await call('/api/v1/candidates?limit=5');
  assert.equal(list.status, 200);
  const page = await list.json();
  assert.equal(page.data.length, 5);
  assert.ok(page.next_cursor, 'the demo org has more candidates');
  const next = await call(`/api/v1/candidates?limit=5&cursor=${page.next_cursor}`);
  assert.equal(next.status, 200);
  const ids = new Set([...page.data, ...(await next.json()).data].map((c) => c.id));
  assert.equal(ids.size, 10);
  const unknown = await fetch(`${BASE}/api/v1/recruitments`, { headers: { authorization: 'Bearer cnd_nope' } });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.headers.get('content-type'), 'application/problem+json');

  // The page shows the key once: after a reload only its prefix is left.
  await a.reload();
  await a.waitForSelector('body[data-hydrated="true"]');
  assert.equal(await a.$('[data-testid=new-api-key]'), null);
  const row = a.locator('tr', { hasText: 'Nightly HR sync' });
  assert.ok((await row.textContent()).includes(key.slice(0, 16)));
  assert.ok(!(await a.content()).includes(key.slice(17)));
  // Revoking is a second step, confirmed.
  await row.locator('summary:has-text("Revoke")').click();
  await row.locator('input[name=confirm]').check();
  await row.locator('button:has-text("Revoke")').click();
  await a.waitForSelector('tr:has-text("Nightly HR sync") >> text=Revoked');

  const after = await call('/api/v1/candidates');
  assert.equal(after.status, 401);
  assert.equal((await after.json()).code, 'unauthenticated');

  assert.deepEqual(await cspViolations(a), []);
  assert.deepEqual(admin.problems, []);
});
