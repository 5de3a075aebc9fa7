// Every download link of the portal, clicked in Chromium with JavaScript on (the hydrated app,
// whose client-side router must leave file links to the browser) and off: the recruitment's
// candidate export, a CV, an interview transcript, the audit log's export, the candidate's own
// data, and the API's description (a JSON document rather than a download).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, openPage, cspViolations, uniqueEmail, waitForMail, linkIn, hydrated, demoSession,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function readAll(download) {
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

// Clicks `selector` and returns the file that arrives (its name and text); a click the router
// took for a page of its own would bring none, and the wait would fail.
async function downloadFrom(page, selector) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15000 }), page.click(selector)]);
  assert.equal(await download.failure(), null);
  return { name: download.suggestedFilename(), text: await readAll(download) };
}

for (const javaScript of [true, false]) {
  const mode = javaScript ? 'with' : 'without';

  test(`every staff download link delivers its file ${mode} JavaScript`, async () => {
    const session = await openPage(browser, { javaScriptEnabled: javaScript, acceptDownloads: true });
    const { page } = session;
    await demoSession(page, 'recruiter', { javaScript });
    await page.click('nav >> text=Recruitments');
    await page.click('text=Senior backend engineer');
    await page.waitForURL(/\/app\/recruitments\/rec_/);
    await page.waitForSelector('.board');
    await hydrated(page, javaScript);

    const csv = await downloadFrom(page, 'text=Export candidates (CSV)');
    assert.match(csv.name, /^candidates-rec_[0-9a-z]{26}\.csv$/);
    assert.match(csv.text, /^candidate_id,name,email/);

    // A candidate past the interview: a CV, and a held interview with its transcript.
    await page.click('.board .column:has(h3:has-text("Offer")) li a >> nth=0');
    await page.waitForURL(/\/app\/candidates\/cand_/);
    await page.waitForSelector('#documents a[download]');
    await hydrated(page, javaScript);
    const name = (await page.textContent('h1')).trim();
    const cv = await downloadFrom(page, '#documents a[download] >> nth=0');
    assert.equal(cv.name, `${name} CV.txt`);
    assert.match(cv.text, /Applying for: Senior backend engineer/);
    await page.click('a[href^="/app/interviews/int_"] >> nth=0');
    await page.waitForURL(/\/app\/interviews\/int_/);
    await page.waitForSelector('#files a[download]');
    await hydrated(page, javaScript);
    const transcript = await downloadFrom(page, '#files a[download] >> nth=0');
    assert.equal(transcript.name, 'interview.vtt');
    assert.match(transcript.text, /^WEBVTT/);
    assert.ok(transcript.text.includes(name));
    if (javaScript) assert.deepEqual(await cspViolations(page), []);
    await session.context.close();

    const admin = await openPage(browser, { javaScriptEnabled: javaScript, acceptDownloads: true });
    const a = admin.page;
    await demoSession(a, 'admin', { javaScript });
    await a.click('nav >> text=Audit log');
    await a.waitForURL(`${BASE}/app/audit`);
    await a.waitForSelector('text=Export these events as CSV');
    await hydrated(a, javaScript);
    const audit = await downloadFrom(a, 'text=Export these events as CSV');
    assert.match(audit.name, /\.csv$/);
    assert.match(audit.text, /auth\.sign_in\.succeeded/);
    if (javaScript) assert.deepEqual(await cspViolations(a), []);

    // The API's description opens as the document it is, not as a page of the app.
    await a.click('nav >> text=API keys');
    await a.waitForURL(`${BASE}/admin/api-keys`);
    await hydrated(a, javaScript);
    await a.click('a[href="/api/v1/openapi.json"]');
    await a.waitForURL(`${BASE}/api/v1/openapi.json`);
    const described = JSON.parse(await a.textContent('body'));
    assert.match(described.openapi, /^3\.1/);

    for (const s of [session, admin]) assert.deepEqual(s.problems, []);
  });

  test(`a candidate downloads their own data ${mode} JavaScript`, async () => {
    const email = uniqueEmail(javaScript ? 'dana' : 'dino');
    const recruiter = await openPage(browser);
    await demoSession(recruiter.page, 'recruiter');
    await recruiter.page.click('nav >> text=Recruitments');
    await recruiter.page.click('text=Product designer');
    await hydrated(recruiter.page, true);
    await recruiter.page.fill('#full_name', 'Dana Download');
    await recruiter.page.fill('#email', email);
    await recruiter.page.click('text=Add candidate');
    await recruiter.page.waitForURL(/\/app\/candidates\/cand_/);
    await recruiter.context.close();

    const { page, problems, context } = await openPage(browser, { javaScriptEnabled: javaScript, acceptDownloads: true });
    await page.goto(`${BASE}/privacy`);
    await hydrated(page, javaScript);
    await page.fill('#email', email);
    await page.click('button:has-text("Send me the link")');
    await page.waitForSelector('text=If we hold data for this address');
    const mail = await waitForMail(email, /Your data at/);
    await page.goto(`${BASE}${linkIn(mail, '/c/privacy/')}`);
    await hydrated(page, javaScript);
    await page.click('button:has-text("Open my data")');
    await page.waitForURL(/\/c\/my-data/);
    await page.waitForSelector('text=Download my data');
    await hydrated(page, javaScript);
    const data = await downloadFrom(page, 'text=Download my data');
    assert.match(data.name, /\.json$/);
    assert.equal(JSON.parse(data.text).candidate.email, email);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
