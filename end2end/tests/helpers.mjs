// Shared helpers: Debian's Chromium, CSP violation capture, and the outbox of .eml files.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

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
  await page.waitForURL(`${BASE}/app`);
  return email;
}
