// Issue 3's journey with the demo organisation's people, each in their own browser: a recruiter
// creates a recruitment, adds a candidate with a CV and schedules an interview, the interviewer
// (signed in separately) attaches the transcript and fills the scorecard, the recruiter records
// the decision; the interviewer and the hiring manager see only what R2 allows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, cspViolations, uniqueEmail, waitForMail, linkIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function signIn(role) {
  const session = await openPage(browser);
  const { page } = session;
  await page.goto(`${BASE}/login`);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
  const who = role.replace(' ', '-');
  await page.fill('#email', `${who}@demo.candor.test`);
  await page.fill('#password', `demo ${role} passphrase 2026`);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE}/app`);
  return session;
}

test('recruiter, interviewer and hiring manager work one candidate through an interview', async () => {
  const recruiter = await signIn('recruiter');
  const r = recruiter.page;
  const email = uniqueEmail('lin');

  // A new recruitment, owned by the demo hiring manager, with one criterion.
  await r.click('nav >> text=Recruitments');
  await r.click('text=New recruitment');
  await r.waitForURL(`${BASE}/app/recruitments/new`);
  await r.waitForSelector('body[data-hydrated="true"]');
  await r.fill('#title', 'Site reliability engineer');
  await r.selectOption('#owner', { label: 'Demo Hiring manager (Hiring manager)' });
  await r.click('text=Create recruitment');
  await r.waitForURL(/\/app\/recruitments\/rec_[0-9a-z]{26}$/);
  await r.waitForSelector('body[data-hydrated="true"]');
  await r.fill('#name', 'Incident handling');
  await r.selectOption('#weight', '5');
  await r.click('text=Add criterion');
  await r.waitForSelector('td:has-text("Incident handling")');
  await r.waitForSelector('.board');
  await r.waitForSelector('body[data-hydrated="true"]');
  const recruitmentUrl = r.url();
  const cv = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% Lin Journey, Rust\n%%EOF\n');
  await r.setInputFiles('#cv', { name: 'lin-cv.pdf', mimeType: 'application/pdf', buffer: cv });
  await r.fill('#full_name', 'Lin Journey');
  await r.fill('#email', 'not-an-address');
  await r.click('text=Add candidate');
  // A wrong field is reported beside it; what was typed and the chosen CV stay.
  await r.waitForSelector('#email-error');
  assert.equal(await r.inputValue('#full_name'), 'Lin Journey');
  await r.fill('#email', email);
  await r.click('text=Add candidate');
  await r.waitForURL(/\/app\/candidates\/cand_/);
  const candidateUrl = r.url();
  await r.waitForSelector('#documents >> text=lin-cv.pdf');
  assert.match(await r.textContent('.consent-panel'), /Evaluation: Awaiting answer/);

  // The candidate answers from the e-mail's link, on a phone without JavaScript, in Dutch first.
  const request = await waitForMail(email, /consent/i);
  const candidate = await openPage(browser, {
    javaScriptEnabled: false,
    extraHTTPHeaders: { 'Accept-Language': 'nl-NL,nl;q=0.9,en;q=0.5' },
    viewport: { width: 390, height: 844 },
  });
  const c = candidate.page;
  await c.goto(`${BASE}${linkIn(request, '/c/consent/')}`);
  assert.equal(await c.getAttribute('html', 'lang'), 'nl');
  assert.match(await c.textContent('h1'), /Northwind Talent/);
  await c.click('.lang-switch >> text=English');
  await c.waitForSelector('html[lang="en"]');
  for (const purpose of ['evaluation', 'recording', 'transcription', 'ai_support']) {
    await c.check(`input[name=${purpose}][value=yes]`);
  }
  await c.click('button:has-text("Save my choices")');
  await c.waitForSelector('text=Your choices are saved');
  assert.equal(await c.getAttribute('html', 'lang'), 'en');
  await r.reload();
  await r.waitForSelector('.consent-panel >> text=Evaluation: Given');

  // Moved on from the board.
  await r.goto(recruitmentUrl);
  await r.waitForSelector('body[data-hydrated="true"]');
  const card = r.locator('.board li', { hasText: 'Lin Journey' });
  const column = r.locator('.board .column', { has: r.locator('li', { hasText: 'Lin Journey' }) });
  await card.locator('input[type=checkbox]').check();
  await column.locator('select[name=stage]').selectOption('screening');
  await column.locator('button:has-text("Move")').click();
  await r.waitForSelector('.board .column:has(h3:has-text("Screening")) >> text=Lin Journey');
  await r.goto(candidateUrl);
  const cvHref = await r.getAttribute('#documents a[download]', 'href');
  // A file the sniffer refuses comes back to the form with a message, and nothing is kept.
  await r.setInputFiles('#documents input[name=file]', {
    name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('<script>alert(1)</script>'),
  });
  await r.click('#documents button:has-text("Upload")');
  await r.waitForSelector('#documents .field-error');
  assert.equal(await r.locator('#documents a[download]').count(), 1);
  await r.fill('input[name=starts_at]', '2026-12-01T10:00');
  await r.fill('input[name=location]', 'Room 2');
  await r.click('text=Schedule interview');
  await r.waitForURL(/\/app\/interviews\/int_/);
  const interviewUrl = r.url();
  await r.waitForSelector('body[data-hydrated="true"]');
  await r.selectOption('#interviewer', { label: 'Demo Interviewer (Interviewer)' });
  await r.click('button:has-text("Assign")');
  await r.waitForSelector('text=Interviewers: Demo Interviewer');

  const interviewer = await signIn('interviewer');
  const i = interviewer.page;
  assert.doesNotMatch(await i.textContent('nav[aria-label=Main]'), /Recruitments/);
  await i.click('nav >> text=Interviews');
  await i.waitForSelector('td:has-text("Lin Journey")');
  await i.goto(interviewUrl);
  await i.waitForSelector('.score-form');
  await i.waitForSelector('body[data-hydrated="true"]');
  const form = i.locator('.score-form').first();
  await form.locator('select[name=score]').selectOption('4');
  await form.locator('input[name=evidence]').fill('Designed a sharded queue on the whiteboard');
  await form.locator('button[type=submit]').click();
  await i.waitForSelector('text=Designed a sharded queue');
  // The interviewer attaches the transcript the evidence came from.
  await i.selectOption('#files-kind', 'transcript');
  await i.setInputFiles('#files input[name=file]', {
    name: 'lin-interview.vtt', mimeType: 'text/vtt',
    buffer: Buffer.from('WEBVTT\n\n00:00.000 --> 00:04.000\nI would shard the queue by tenant.\n'),
  });
  await i.click('#files button:has-text("Attach")');
  await i.waitForSelector('#files >> text=lin-interview.vtt');
  // The candidate record and the CV stay out of the interviewer's reach.
  const denied = await i.goto(candidateUrl);
  assert.equal(denied.status(), 403);
  const cvDenied = await i.goto(`${BASE}${cvHref}`);
  assert.equal(cvDenied.status(), 404);

  await r.goto(candidateUrl);
  await r.waitForSelector('body[data-hydrated="true"]');
  await r.click('text=Record the hiring decision');
  await r.check('input[name=decision][value=hired]');
  await r.fill('textarea[name=reason]', 'Scored highest on technical depth');
  await r.check('details.decide input[name=confirm]');
  await r.click('text=Record decision');
  await r.waitForSelector('.stage:has-text("Hired")');

  const manager = await signIn('hiring manager');
  const h = manager.page;
  await h.click('nav >> text=Recruitments');
  await h.waitForSelector('td >> text=Site reliability engineer');
  assert.doesNotMatch(await h.textContent('main'), /Product designer|Data protection officer/);
  await h.goto(candidateUrl);
  await h.waitForSelector('text=Scored highest on technical depth');
  const [download] = await Promise.all([
    h.waitForEvent('download'),
    h.click('#documents >> text=lin-cv.pdf'),
  ]);
  assert.equal(download.suggestedFilename(), 'lin-cv.pdf');
  assert.equal((await readAll(await download.createReadStream())).toString(), cv.toString());
  await h.goto(interviewUrl);
  await h.waitForSelector('text=Designed a sharded queue');

  assert.deepEqual(candidate.problems, []);
  for (const s of [recruiter, interviewer, manager]) {
    assert.deepEqual(await cspViolations(s.page), []);
    assert.deepEqual(s.problems, []);
  }
});
