// A recruiter's first recruitment: create it with a rich description, define a criterion, find it
// in the list by search, close it; hostile markup never reaches the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, cspViolations, signedInAdmin } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('create a recruitment, add a criterion and a candidate, decide, search and close it', async () => {
  const { page, problems } = await openPage(browser);
  await signedInAdmin(page, 'Recruiting Co', 'Rae Recruiter');
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });

  await page.click('nav >> text=Recruitments');
  await page.waitForURL(`${BASE}/app/recruitments`);
  await page.click('text=New recruitment');
  await page.waitForURL(`${BASE}/app/recruitments/new`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.fill('#title', 'Platform engineer');
  await page.fill('#description',
    '<p>We build <strong>Candor</strong>.</p><ul><li>Rust</li></ul><img src=x onerror=alert(1)><script>alert(2)</script>');
  await page.click('text=Create recruitment');
  await page.waitForURL(/\/app\/recruitments\/rec_[0-9a-z]{26}$/);
  const detailUrl = page.url();
  await page.waitForSelector('.rich-text strong');
  assert.equal(await page.textContent('.rich-text strong'), 'Candor');
  assert.equal(await page.locator('.rich-text img, .rich-text script').count(), 0);

  await page.fill('#name', 'Systems design');
  await page.fill('#criterion_description', 'Explains trade-offs with evidence');
  await page.selectOption('#weight', '5');
  await page.click('text=Add criterion');
  await page.waitForSelector('td:has-text("Systems design")');

  // A candidate joins the pipeline, moves to interview and a person records the decision.
  await page.fill('#full_name', 'Grace Hopper');
  await page.fill('#email', 'grace@example.org');
  await page.click('text=Add candidate');
  await page.waitForURL(/\/app\/candidates\/cand_[0-9a-z]{26}$/);
  await page.waitForSelector('h1:has-text("Grace Hopper")');
  await page.selectOption('select[name=stage]', 'interview');
  await page.click('button:has-text("Move")');
  await page.waitForSelector('.stage:has-text("Interview")');
  await page.click('text=Record the hiring decision');
  await page.check('input[name=decision][value=hired]');
  await page.fill('textarea[name=reason]', 'Clear systems thinking in the interview');
  await page.check('details.decide input[name=confirm]');
  await page.click('text=Record decision');
  await page.waitForSelector('.stage:has-text("Hired")');
  assert.match(await page.textContent('.decision'), /Clear systems thinking/);
  assert.match(await page.textContent('.timeline'), /Decision recorded: Hired/);
  await page.goto(detailUrl);
  await page.waitForSelector('.board a:has-text("Grace Hopper")');
  assert.match(await page.textContent('.board'), /Hired \(1\)/);

  await page.click('text=Close recruitment');
  await page.waitForSelector('text=Reopen recruitment');
  assert.match(await page.textContent('.status'), /Closed/);

  await page.goto(`${BASE}/app/recruitments?q=platform&status=closed`);
  await page.waitForSelector('td >> text=Platform engineer');
  await page.goto(`${BASE}/app/recruitments?q=nothing-like-it`);
  await page.waitForSelector('text=0 recruitment(s)');

  // Reloaded from the server, the page shows the same state.
  await page.goto(detailUrl);
  await page.waitForSelector('td:has-text("Systems design")');
  assert.equal(dialogs, 0, 'no script from the description ever ran');
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(problems, []);
});
