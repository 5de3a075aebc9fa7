// Shared helpers: Debian's Chromium, CSP violation capture, and the outbox of .eml files.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { chromium } from 'playwright-core';
import * as OTPAuth from 'otpauth';

export const BASE = process.env.CANDOR_E2E_BASE ?? 'http://127.0.0.1:3100';
export const OUTBOX = process.env.CANDOR_E2E_OUTBOX;
export const PASSWORD = 'a long and private passphrase 2026';

export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// A page that records every CSP violation and console error it sees.
export async function openPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    // A 4xx answer to a server function is an expected outcome (wrong password, invalid field);
    // Chromium logs it as a failed resource. Anything else is a problem.
    const expected4xx = /Failed to load resource: the server responded with a status of 4\d\d/;
    if ((msg.type() === 'error' && !expected4xx.test(msg.text())) || /Content Security Policy/i.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations = window.__cspViolations || [];
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { context, page, problems };
}

export async function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations || []);
}

function decodeQuotedPrintable(raw) {
  return raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}

// Waits for the newest e-mail to `to` whose text matches `pattern`; returns the decoded message.
export async function waitForMail(to, pattern, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = fs.existsSync(OUTBOX) ? fs.readdirSync(OUTBOX).filter((f) => f.endsWith('.eml')) : [];
    const mails = files
      .map((f) => path.join(OUTBOX, f))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)
      .map((f) => decodeQuotedPrintable(fs.readFileSync(f, 'utf8')))
      .filter((m) => m.includes(`To: ${to}`) && pattern.test(m));
    if (mails.length > 0) return mails[0];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no e-mail to ${to} matching ${pattern}`);
}

export function linkIn(mail, prefix) {
  const match = mail.match(new RegExp(`https?://[^\\s"<]*${prefix}[A-Za-z0-9_-]+`));
  if (!match) throw new Error(`no ${prefix} link in mail`);
  return new URL(match[0]).pathname;
}

export function uniqueEmail(tag) {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`;
}

// Signs up an organisation, confirms the address from the outbox and signs in as its admin.
export async function signedInAdmin(page, org, name) {
  const email = uniqueEmail('admin');
  await page.goto(`${BASE}/signup`);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
  await page.fill('#org_name', org);
  await page.fill('#display_name', name);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.check('#accept_dpa');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/signup/check-email`);
  const mail = await waitForMail(email, /Confirm your e-mail address/);
  await page.goto(`${BASE}${linkIn(mail, '/verify-email/')}`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.click('text=Confirm my e-mail address');
  await page.waitForURL(/\/login\?verified=1$/);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await enrolTwoFactor(page);
  await givePrivacyContact(page);
  return email;
}

// Candidates are asked for consent only once the organisation's privacy contact is given.
export async function givePrivacyContact(page) {
  await page.goto(`${BASE}/admin/settings`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#privacy_contact', 'Data protection officer');
  await page.fill('#privacy_street_address', 'Keizersgracht 1');
  await page.fill('#privacy_postal_code', '1015 CJ');
  await page.fill('#privacy_locality', 'Amsterdam');
  await page.fill('#privacy_country', 'NL');
  await page.fill('#privacy_email', 'privacy@example.org');
  await page.fill('#privacy_phone', '+31 20 123 4567');
  await page.click('#contact-title ~ form button[type=submit]');
  await page.waitForSelector('text=Now: Data protection officer');
}

// An admin is sent to set up two-factor sign-in before anything else: scan (here: read) the key,
// confirm with a first code, see the recovery codes once, continue. Returns the key.
export async function enrolTwoFactor(page, { javaScript = true } = {}) {
  await page.waitForURL(`${BASE}/app/account/two-factor`);
  if (javaScript) await page.waitForSelector('body[data-hydrated="true"]');
  await page.click('button:has-text("Set up two-factor sign-in")');
  await page.waitForSelector('.qr svg', { timeout: 20000 });
  const key = (await page.textContent('[data-testid=totp-key]')).trim();
  await page.fill('#confirm-code', await totpCode(key));
  await page.click('button:has-text("Turn on")');
  await page.waitForSelector('[data-testid=recovery-codes] li');
  const codes = await page.$$eval('[data-testid=recovery-codes] li', (items) => items.length);
  if (codes !== 10) throw new Error(`expected 10 recovery codes, saw ${codes}`);
  await page.click('text=I saved them, continue');
  await page.waitForURL(`${BASE}/app`);
  return key;
}

// The second step of sign-in, after the password.
export async function passTwoFactor(page, key, { javaScript = true } = {}) {
  await page.waitForURL(`${BASE}/login/two-factor`);
  if (javaScript) await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#code', await totpCode(key));
  await page.click('button:has-text("Continue")');
  await page.waitForURL(`${BASE}/app`);
}

// The demo admin's fixed TOTP key, printed by `candor serve --demo`.
export const DEMO_ADMIN_TOTP_KEY = 'MNQW4ZDPOIWWIZLNN4WXI33UOAWWWZLZ';

// An authenticator app's current code for `key` (base32). The portal accepts each time step
// once, so a step already used by an earlier test (in any test file) is waited out.
export async function totpCode(key) {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key), digits: 6, period: 30 });
  const ledger = path.join(os.tmpdir(), `candor-e2e-totp-${key}`);
  const last = fs.existsSync(ledger) ? Number(fs.readFileSync(ledger, 'utf8')) : -1;
  let step = Math.floor(Date.now() / 30000);
  if (step <= last) {
    await new Promise((r) => setTimeout(r, (last + 1) * 30000 - Date.now() + 200));
    step = Math.floor(Date.now() / 30000);
  }
  fs.writeFileSync(ledger, String(step));
  return totp.generate({ timestamp: step * 30000 });
}

// Signs in as the demo admin (password, then the code from the app), or reuses the admin's
// session of this run of the journeys.
export async function signInDemoAdmin(page) {
  await demoSession(page, 'admin');
}

// Waits for the hydrated app, when the page runs JavaScript at all.
export async function hydrated(page, javaScript = true) {
  if (javaScript) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
}

// Signs in as one of the demo organisation's people ('admin', 'recruiter', 'hiring-manager',
// 'interviewer'), with or without JavaScript; the admin also gives the code from the app.
export async function signInDemo(page, who, { javaScript = true } = {}) {
  await page.goto(`${BASE}/login`);
  await hydrated(page, javaScript);
  await page.fill('#email', `${who}@demo.candor.test`);
  await page.fill('#password', `demo ${who.replace('-', ' ')} passphrase 2026`);
  await page.click('button[type=submit]');
  if (who === 'admin') {
    await passTwoFactor(page, DEMO_ADMIN_TOTP_KEY, { javaScript });
  } else {
    await page.waitForURL(`${BASE}/app`);
  }
  await hydrated(page, javaScript);
}

// Every sign-in counts against the portal's limit per client address (20 in 15 minutes), which
// all journeys share from 127.0.0.1. So each demo person signs in once per run of the journeys:
// the session is saved and reused while the portal still accepts it (a new run's fresh database
// does not, and the person signs in again). Leaves `page` on the dashboard.
export async function demoSession(page, who, { javaScript = true } = {}) {
  const saved = path.join(os.tmpdir(), `candor-e2e-session-${new URL(BASE).port}-${who}.json`);
  if (fs.existsSync(saved)) {
    await page.context().addCookies(JSON.parse(fs.readFileSync(saved, 'utf8')).cookies);
    await page.goto(`${BASE}/app`);
    if (new URL(page.url()).pathname === '/app') {
      await hydrated(page, javaScript);
      return;
    }
  }
  await signInDemo(page, who, { javaScript });
  await page.context().storageState({ path: saved });
}
