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
