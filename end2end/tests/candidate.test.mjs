// The candidate's side (F7, F9) in Chromium: a phone without JavaScript asks for their data on the
// privacy page, opens it from the e-mailed link, downloads it and asks for its deletion; and every
// candidate page passes an automated WCAG 2.2 AA check (axe-core). Also the staff candidate list,
// where a recruiter finds a candidate by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BASE, launch, openPage, uniqueEmail, waitForMail, linkIn, demoSession } from './helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signInDemoRecruiter(page) {
  await demoSession(page, 'recruiter');
}

// The demo recruiter adds a candidate to the demo's first recruitment.
async function addCandidate(name, email) {
  const { page, context } = await openPage(browser);
  await signInDemoRecruiter(page);
  await page.click('nav >> text=Recruitments');
  await page.click('text=Senior backend engineer');
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#full_name', name);
  await page.fill('#email', email);
  await page.click('text=Add candidate');
  await page.waitForURL(/\/app\/candidates\/cand_/);
  await context.close();
}

// WCAG 2.2 A and AA rules on the page as it stands; CSP is bypassed only to inject the checker.
async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  // The checker ran and checked something: rules passed, none violated.
  assert.ok(result.passes.length > 10, `axe ran ${result.passes.length} passing rules`);
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a candidate without JavaScript asks for their data, downloads it and asks for deletion', async () => {
  const email = uniqueEmail('ines');
  await addCandidate('Ines Privacy', email);

  const { page, problems } = await openPage(browser, {
    javaScriptEnabled: false,
    acceptDownloads: true,
    viewport: { width: 390, height: 844 },
  });
  await page.goto(`${BASE}/privacy`);
  await page.fill('#email', email);
  await page.click('button:has-text("Send me the link")');
  await page.waitForSelector('text=If we hold data for this address');

  const mail = await waitForMail(email, /Your data at/);
  await page.goto(`${BASE}${linkIn(mail, '/c/privacy/')}`);
  await page.click('button:has-text("Open my data")');
  await page.waitForURL(/\/c\/my-data/);
  assert.match(await page.textContent('main'), /Ines Privacy/);
  assert.match(await page.textContent('main'), /Senior backend engineer/);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('text=Download my data'),
  ]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  const exported = JSON.parse(Buffer.concat(chunks).toString());
  assert.equal(exported.candidate.email, email);
  assert.equal(exported.format, 'candor.personal-data.v1');

  await page.selectOption('#kind', 'deletion');
  await page.fill('#details', 'Please delete everything about me.');
  await page.click('button:has-text("Send my request")');
  await page.waitForSelector('text=Your request has been received');
  assert.match(await page.textContent('main'), /Delete my data/);
  assert.deepEqual(problems, []);
});

test('every candidate page passes an automated WCAG 2.2 AA check', async () => {
  const email = uniqueEmail('wcag');
  await addCandidate('Wren Access', email);
  const { page } = await openPage(browser, { bypassCSP: true });

  const request = await waitForMail(email, /consent/i);
  const consentPath = linkIn(request, '/c/consent/');
  await page.goto(`${BASE}${consentPath}`);
  assert.deepEqual(await axeViolations(page), [], 'the consent page');
  await page.goto(`${BASE}${consentPath}?lang=pl`);
  assert.deepEqual(await axeViolations(page), [], 'the consent page in Polish');

  await page.goto(`${BASE}/privacy?lang=sv`);
  assert.deepEqual(await axeViolations(page), [], 'the privacy page');
  await page.fill('#email', email);
  await page.click('form button[type=submit]');
  await page.waitForURL(/sent=1/);
  const mail = await waitForMail(email, /Dina uppgifter hos/);
  await page.goto(`${BASE}${linkIn(mail, '/c/privacy/')}`);
  assert.deepEqual(await axeViolations(page), [], 'the link page');
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/c\/my-data/);
  await page.waitForSelector('#kind');
  assert.deepEqual(await axeViolations(page), [], 'the own-data page');
});

test('a recruiter finds a candidate by name in the candidate list, which passes WCAG 2.2 AA', async () => {
  const email = uniqueEmail('lena');
  const name = `Lena Listed ${email.split('-')[1]}`;
  await addCandidate(name, email);
  const { page, context, problems } = await openPage(browser);
  await signInDemoRecruiter(page);
  await page.click('nav >> text=Candidates');
  await page.waitForURL(`${BASE}/app/candidates`);
  await page.waitForSelector('body[data-hydrated="true"]');
  // The demo's candidates and the one just added. The router navigates in the page, so the rows
  // arrive after the URL changes: wait for them rather than count what is there yet.
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length > 1);

  await page.fill('#q', name);
  await page.click('button:has-text("Search")');
  await page.waitForURL(/\/app\/candidates\?q=/);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
  await page.locator('tbody tr', { hasText: name }).waitFor();
  await page.click(`tbody a:has-text("${name}")`);
  await page.waitForURL(/\/app\/candidates\/cand_/);
  await page.waitForSelector(`h1:has-text("${name}")`);
  assert.deepEqual(problems, []);
  await context.close();

  const { page: checked } = await openPage(browser, { bypassCSP: true });
  await signInDemoRecruiter(checked);
  await checked.goto(`${BASE}/app/candidates`);
  assert.deepEqual(await axeViolations(checked), [], 'the candidate list');
});
