// Issue 23's form defects, walked in Chromium: a candidate who asked for deletion is marked
// everywhere and every step about them asks to confirm that request (with and without
// JavaScript); the scorecard form shows what is saved; interview uploads are offered only under
// their consent; forms empty after success; a new API key copies with one click; irreversible
// steps are confirmed and not styled as the primary action.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, openPage, cspViolations, uniqueEmail, waitForMail, linkIn, signInDemoAdmin,
  hydrated, demoSession,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function openRecruitment(page, title, javaScript = true) {
  await page.goto(`${BASE}/app/recruitments`);
  await page.click(`text=${title}`);
  await page.waitForURL(/\/app\/recruitments\/rec_/);
  await page.waitForSelector('.board');
  await hydrated(page, javaScript);
}

async function addCandidate(page, name, email) {
  await page.fill('#full_name', name);
  await page.fill('#email', email);
  await page.click('text=Add candidate');
}

// The candidate asks for the deletion of their data from their privacy page, without JavaScript.
async function askForDeletion(email) {
  const { page, context } = await openPage(browser, { javaScriptEnabled: false });
  await page.goto(`${BASE}/privacy`);
  await page.fill('#email', email);
  await page.click('button:has-text("Send me the link")');
  const mail = await waitForMail(email, /Your data at/);
  await page.goto(`${BASE}${linkIn(mail, '/c/privacy/')}`);
  await page.click('button:has-text("Open my data")');
  await page.selectOption('#kind', 'deletion');
  await page.fill('#details', 'Please delete everything about me.');
  await page.click('button:has-text("Send my request")');
  await page.waitForSelector('text=Your request has been received');
  await context.close();
}

test('a candidate who asked for deletion is marked, and adding or deciding about them asks to confirm the request', async () => {
  const email = uniqueEmail('dora');
  const name = `Dora Deletion ${email.split('-')[1]}`;
  const recruiter = await openPage(browser);
  const r = recruiter.page;
  await demoSession(r, 'recruiter');
  await openRecruitment(r, 'Senior backend engineer');
  await addCandidate(r, name, email);
  await r.waitForURL(/\/app\/candidates\/cand_/);
  const candidateUrl = r.url();
  await askForDeletion(email);

  // Her page names the request; the board and the list mark her.
  await r.reload();
  await hydrated(r);
  const banner = await r.textContent('[data-testid=deletion-pending]');
  const [, request, received] = banner.match(/request (dsr_[0-9a-z]{26}), received (\d{4}-\d\d-\d\d)/);
  await r.waitForSelector('h1 .badge-deletion');
  await r.screenshot({ path: '/tmp/candor-e2e-deletion-pending.png', fullPage: true });
  await openRecruitment(r, 'Senior backend engineer');
  await r.locator('.board li', { hasText: name }).locator('.badge-deletion').waitFor();
  await r.goto(`${BASE}/app/candidates?q=${encodeURIComponent(name)}`);
  await r.locator('tbody tr', { hasText: name }).locator('.badge-deletion').waitFor();

  // Added to another recruitment: refused in place, naming the request; confirmed, added.
  await openRecruitment(r, 'Product designer');
  await addCandidate(r, name, email);
  await r.waitForSelector('#form-error');
  assert.match(await r.textContent('#form-error'), new RegExp(`request ${request}, received ${received}`));
  const confirm = r.locator('input[name=confirm_deletion_request]');
  assert.equal(await confirm.getAttribute('value'), request);
  assert.equal(await r.inputValue('#email'), email, 'what was typed stays');
  await confirm.check();
  await r.click('text=Add candidate');
  await r.waitForURL(candidateUrl);
  await r.waitForSelector('h2:has-text("Product designer")');

  // The decision: its own box and the request's, both required; not the primary button.
  await hydrated(r);
  const panel = r.locator('section.panel', { has: r.locator('h2:has-text("Product designer")') });
  await panel.locator('summary:has-text("Record the hiring decision")').click();
  await panel.locator('input[name=decision][value=rejected]').check();
  await panel.locator('textarea[name=reason]').fill('The role was filled');
  const decide = panel.locator('details.decide');
  const record = decide.locator('button:has-text("Record decision")');
  assert.match(await record.getAttribute('class'), /button-danger/);
  await record.click();
  // The browser holds the form back until both boxes are ticked.
  assert.equal(await panel.locator('.stage:has-text("Rejected")').count(), 0);
  assert.equal(await decide.locator('input[name=confirm]:invalid').count(), 1);
  await decide.locator('input[name=confirm]').check();
  assert.equal(await decide.locator('input[name=confirm_deletion_request]:invalid').count(), 1);
  await decide.locator('input[name=confirm_deletion_request]').check();
  await record.click();
  await panel.locator('.stage:has-text("Rejected")').waitFor();

  assert.deepEqual(await cspViolations(r), []);
  assert.deepEqual(recruiter.problems, []);
});

test('without JavaScript, adding a candidate who asked for deletion takes a second step that names the request', async () => {
  const email = uniqueEmail('noah');
  const name = 'Noah Nojs';
  const setup = await openPage(browser);
  await demoSession(setup.page, 'recruiter');
  await openRecruitment(setup.page, 'Senior backend engineer');
  await addCandidate(setup.page, name, email);
  await setup.page.waitForURL(/\/app\/candidates\/cand_/);
  await setup.context.close();
  await askForDeletion(email);

  const { page, problems } = await openPage(browser, { javaScriptEnabled: false });
  await demoSession(page, 'recruiter', { javaScript: false });
  await openRecruitment(page, 'Data protection officer', false);
  await addCandidate(page, name, email);
  await page.waitForURL(/error=deletion_request_pending&request=dsr_/);
  assert.match(await page.textContent('#form-error'), /asked for the deletion of their data \(request dsr_/);
  await addCandidate(page, name, email);
  await page.waitForURL(/error=deletion_request_pending/);
  await page.fill('#full_name', name);
  await page.fill('#email', email);
  await page.check('input[name=confirm_deletion_request]');
  await page.click('text=Add candidate');
  await page.waitForURL(/\/app\/candidates\/cand_[0-9a-z]{26}$/);
  assert.match(await page.textContent('main'), /Data protection officer/);
  assert.match(await page.textContent('main'), /Deletion requested/);
  assert.deepEqual(problems, []);
});

test('the scorecard form shows the saved score and evidence with and without JavaScript', async () => {
  const interviewer = await openPage(browser);
  const i = interviewer.page;
  await demoSession(i, 'interviewer');
  await i.click('nav >> text=Interviews');
  await i.waitForURL(`${BASE}/app/interviews`);
  // A held interview of the demo, which the interviewer scored.
  await i.waitForSelector('tbody tr');
  const hrefs = await i.$$eval('tbody tr a', (links) => links.map((a) => a.getAttribute('href')));
  let interviewUrl;
  for (const href of hrefs) {
    await i.goto(`${BASE}${href}`);
    await i.waitForSelector('#files');
    if (await i.locator('.scores li').count() > 0) {
      interviewUrl = i.url();
      break;
    }
  }
  assert.ok(interviewUrl, `a scored interview among ${hrefs.length}`);
  await hydrated(i);

  // Each criterion's form starts from the interviewer's own saved score and evidence.
  const scored = () => i.locator('table tbody tr').filter({ has: i.locator('.score-form') }).first();
  const saved = (await scored().locator('.scores li').first().textContent()).match(/(\d)\/5 “(.+)” — /);
  assert.ok(saved, 'a saved score is listed');
  assert.equal(await scored().locator('select[name=score]').inputValue(), saved[1]);
  assert.equal(await scored().locator('input[name=evidence]').inputValue(), saved[2]);
  // Saved again with only the evidence changed, the score stays what it was.
  const evidence = `${saved[2]} (checked again)`;
  await scored().locator('input[name=evidence]').fill(evidence);
  await scored().locator('button:has-text("Save")').click();
  await i.locator('.scores li', { hasText: evidence }).waitFor();
  await i.reload();
  await hydrated(i);
  assert.equal(await scored().locator('select[name=score]').inputValue(), saved[1]);
  assert.equal(await scored().locator('input[name=evidence]').inputValue(), evidence);
  assert.match(await scored().locator('.scores').textContent(), new RegExp(`${saved[1]}/5`));

  // Without JavaScript the same form starts from the same saved values.
  const plain = await openPage(browser, { javaScriptEnabled: false });
  await demoSession(plain.page, 'interviewer', { javaScript: false });
  await plain.page.goto(interviewUrl);
  const row = plain.page.locator('table tbody tr').filter({ has: plain.page.locator('.score-form') }).first();
  assert.equal(await row.locator('select[name=score]').inputValue(), saved[1]);
  assert.equal(await row.locator('input[name=evidence]').inputValue(), evidence);

  assert.deepEqual(await cspViolations(i), []);
  assert.deepEqual(interviewer.problems, []);
});

test('an interview whose candidate refused recording offers only the transcript upload and says why', async () => {
  const email = uniqueEmail('rex');
  const recruiter = await openPage(browser);
  const r = recruiter.page;
  await demoSession(r, 'recruiter');
  await openRecruitment(r, 'Product designer');
  await addCandidate(r, 'Rex Recordless', email);
  await r.waitForURL(/\/app\/candidates\/cand_/);

  // The candidate answers from the e-mailed link: everything but recording.
  const request = await waitForMail(email, /consent/i);
  const candidate = await openPage(browser, { javaScriptEnabled: false });
  await candidate.page.goto(`${BASE}${linkIn(request, '/c/consent/')}`);
  for (const [purpose, answer] of [['evaluation', 'yes'], ['recording', 'no'], ['transcription', 'yes'], ['ai_support', 'no']]) {
    await candidate.page.check(`input[name=${purpose}][value=${answer}]`);
  }
  await candidate.page.click('button:has-text("Save my choices")');
  await candidate.page.waitForSelector('text=Your choices are saved');
  await candidate.context.close();

  await r.reload();
  await hydrated(r);
  await r.fill('input[name=starts_at]', '2026-12-02T14:00');
  await r.click('text=Schedule interview');
  await r.waitForURL(/\/app\/interviews\/int_/);
  await hydrated(r);
  assert.match(
    await r.textContent('[data-testid=uploads-withheld]'),
    /Recording: cannot be attached, because the candidate refused consent to recording\./,
  );
  assert.equal(await r.locator('#files select[name=kind]').count(), 0);
  assert.equal(await r.locator('#files input[name=kind]').getAttribute('value'), 'transcript');
  await r.setInputFiles('#files input[name=file]', {
    name: 'rex.vtt', mimeType: 'text/vtt',
    buffer: Buffer.from('WEBVTT\n\n00:00.000 --> 00:04.000\nI prefer not to be recorded.\n'),
  });
  await r.click('#files button:has-text("Attach")');
  await r.waitForSelector('#files >> text=rex.vtt');
  await r.screenshot({ path: '/tmp/candor-e2e-interview-uploads.png', fullPage: true });
  assert.deepEqual(await cspViolations(r), []);
  assert.deepEqual(recruiter.problems, []);
});

test('forms empty after success, and a note is not added twice by a second click', async () => {
  const recruiter = await openPage(browser);
  const r = recruiter.page;
  await demoSession(r, 'recruiter');
  await openRecruitment(r, 'Product designer');
  const email = uniqueEmail('nora');
  await addCandidate(r, 'Nora Notes', email);
  await r.waitForURL(/\/app\/candidates\/cand_/);
  await hydrated(r);
  await r.fill('textarea[name=note]', 'Strong portfolio, ask about accessibility work');
  await r.click('button:has-text("Add note")');
  await r.waitForSelector('.note:has-text("Strong portfolio")');
  assert.equal(await r.inputValue('textarea[name=note]'), '');
  await r.click('button:has-text("Add note")');
  await r.waitForSelector('#form-error');
  assert.equal(await r.locator('.note').count(), 1);
  assert.deepEqual(recruiter.problems.filter((p) => !/status of 422/.test(p)), []);
});

test('a new API key is copied with one click, its form empties, and revoking is a confirmed second step', async () => {
  const admin = await openPage(browser, { permissions: ['clipboard-read', 'clipboard-write'] });
  const a = admin.page;
  await signInDemoAdmin(a);
  await a.click('nav >> text=API keys');
  await a.waitForURL(`${BASE}/admin/api-keys`);
  await hydrated(a);
  await a.fill('#name', 'Payroll export');
  await a.fill('#expires_on', new Date(Date.now() + 180 * 86400000).toISOString().slice(0, 10));
  await a.click('button:has-text("Create the key")');
  const key = (await a.textContent('[data-testid=new-api-key]', { timeout: 20000 })).trim();
  assert.equal(await a.inputValue('#name'), '', 'the form is empty again');
  assert.equal(await a.inputValue('#expires_on'), '');
  await a.click('button:has-text("Copy the key")');
  await a.waitForSelector('text=Copied to the clipboard.');
  assert.equal(await a.evaluate(() => navigator.clipboard.readText()), key);

  const row = a.locator('tr', { hasText: 'Payroll export' });
  await row.locator('summary:has-text("Revoke")').click();
  const revoke = row.locator('button:has-text("Revoke")');
  assert.match(await revoke.getAttribute('class'), /button-danger/);
  await revoke.click();
  assert.equal(await row.locator('input[name=confirm]:invalid').count(), 1, 'held back until confirmed');
  assert.match(await row.textContent(), /Active/);
  await row.locator('input[name=confirm]').check();
  await revoke.click();
  await a.waitForSelector('tr:has-text("Payroll export") >> text=Revoked');
  const call = await fetch(`${BASE}/api/v1/candidates`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(call.status, 401);
  await a.screenshot({ path: '/tmp/candor-e2e-api-keys.png', fullPage: true });
  assert.deepEqual(await cspViolations(a), []);
  assert.deepEqual(admin.problems, []);
});
