// The first journey of a new customer: sign-up → verification link from the outbox → sign-in →
// dashboard → sign-out, once hydrated (no CSP violation allowed) and once with JavaScript off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, PASSWORD, launch, openPage, cspViolations, waitForMail, linkIn, uniqueEmail,
  enrolTwoFactor, passTwoFactor,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('sign-up, verification, sign-in, dashboard and sign-out with hydration and no CSP violation', async () => {
  const { page, problems } = await openPage(browser);
  const email = uniqueEmail('hydrated');

  const bundle = page.waitForResponse((r) => new URL(r.url()).pathname === '/pkg/candor.wasm');
  await page.goto(`${BASE}/signup`);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
  // The bundle travels compressed, as scripts/build-site made it.
  assert.equal((await bundle).headers()['content-encoding'], 'gzip');
  await page.fill('#org_name', 'Hydrated Hiring');
  await page.fill('#display_name', 'Hana Hydrated');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  // Submitting without the DPA box shows the field error in place, without a reload.
  await page.click('button[type=submit]');
  await page.waitForSelector('#form-error');
  assert.match(await page.textContent('.checkbox'), /Accept the data processing agreement/);
  await page.check('#accept_dpa');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/signup/check-email`);

  const mail = await waitForMail(email, /Confirm your e-mail address/);
  await page.goto(`${BASE}${linkIn(mail, '/verify-email/')}`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.click('text=Confirm my e-mail address');
  await page.waitForURL(/\/login\?verified=1$/);
  assert.match(await page.textContent('main'), /Your e-mail address is confirmed/);

  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#email', email);
  await page.fill('#password', 'a wrong passphrase entirely');
  await page.click('button[type=submit]');
  await page.waitForSelector('#form-error');
  assert.match(await page.textContent('#form-error'), /e-mail address or password is not correct/);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  const key = await enrolTwoFactor(page);
  await page.waitForSelector('text=Team of Hydrated Hiring');
  assert.match(await page.textContent('header'), /Hana Hydrated/);
  assert.match(await page.textContent('nav[aria-label=Main]'), /My account/);

  await page.click('text=My account');
  await page.waitForURL(`${BASE}/app/account`);
  await page.waitForSelector('text=Recent security activity');
  await page.waitForSelector('text=auth.sign_in.succeeded');

  await page.click('text=Sign out');
  await page.waitForURL(`${BASE}/login`);
  await page.goto(`${BASE}/app`);
  assert.equal(new URL(page.url()).pathname, '/login', 'signed out: staff pages send to sign-in');

  // The next sign-in asks for the code from the app; a wrong one is refused in place.
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/login/two-factor`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#code', '000000');
  await page.click('button:has-text("Continue")');
  await page.waitForSelector('#form-error');
  await passTwoFactor(page, key);
  await page.waitForSelector('text=Team of Hydrated Hiring');

  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(problems, []);
});

test('sign-up, verification, reset and sign-in work with JavaScript disabled', async () => {
  const { page } = await openPage(browser, { javaScriptEnabled: false });
  const email = uniqueEmail('nojs');

  await page.goto(`${BASE}/signup`);
  await page.fill('#org_name', 'Plain Forms Ltd');
  await page.fill('#display_name', 'Pat Plain');
  await page.fill('#email', email);
  await page.fill('#password', 'short');
  await page.check('#accept_dpa');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/signup\?error=invalid&fields=password$/);
  assert.match(await page.textContent('main'), /Use at least 12 characters/);

  await page.fill('#org_name', 'Plain Forms Ltd');
  await page.fill('#display_name', 'Pat Plain');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.check('#accept_dpa');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/signup/check-email`);

  const mail = await waitForMail(email, /Confirm your e-mail address/);
  await page.goto(`${BASE}${linkIn(mail, '/verify-email/')}`);
  await page.click('text=Confirm my e-mail address');
  await page.waitForURL(/\/login\?verified=1$/);

  await page.goto(`${BASE}/reset`);
  await page.fill('#email', email);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/reset\?sent=1$/);
  const resetMail = await waitForMail(email, /Reset your Candor password/);
  await page.goto(`${BASE}${linkIn(resetMail, '/reset/')}`);
  const newPassword = 'another private passphrase 2027';
  await page.fill('#password', newPassword);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/login\?reset=1$/);

  await page.fill('#email', email);
  await page.fill('#password', newPassword);
  await page.click('button[type=submit]');
  // Two-factor enrolment works without JavaScript too, and so does the second step.
  const key = await enrolTwoFactor(page, { javaScript: false });
  assert.match(await page.textContent('main'), /Team of Plain Forms Ltd/);
  await page.click('text=Sign out');
  await page.waitForURL(`${BASE}/login`);
  await page.fill('#email', email);
  await page.fill('#password', newPassword);
  await page.click('button[type=submit]');
  await passTwoFactor(page, key, { javaScript: false });
  assert.match(await page.textContent('main'), /Team of Plain Forms Ltd/);
});
