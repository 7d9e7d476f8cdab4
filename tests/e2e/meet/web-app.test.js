// The guest web app as ES modules under the web bridge's strict CSP: the
// modules load (no CSP violation, no script error), every control has an
// accessible name in EN and FR and the language choice switches them, and
// what guests type is rendered as text, never as HTML.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser, request } = require('../lib/meet.js');
const { WAIT, NAMES, join } = require('../lib/guest.js');

// Every visible button, select and text box has a non-empty accessible name.
async function allNamed(page) {
  for (const role of ['button', 'combobox', 'textbox']) {
    for (const el of await page.getByRole(role).all()) {
      if (!(await el.isVisible())) continue;
      const name = await el.evaluate((e) => e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent);
      assert.ok(name && name.trim(), role + ' without an accessible name: ' + await el.evaluate((e) => e.outerHTML));
    }
  }
}

test('the app loads as modules under the CSP, in EN and FR, text only', async () => {
  const meet = await startMeet();
  const browser = await launchBrowser([meet.web.spki]);
  const problems = [];
  try {
    const root = await request(meet.webUrl + '/');
    const csp = root.headers['content-security-policy'];
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    for (const js of ['/app.js', '/js/i18n.js', '/js/join.js', '/js/call.js', '/js/devices.js', '/js/signal.js', '/js/media.js']) {
      const r = await request(meet.webUrl + js);
      assert.strictEqual(r.status, 200, js);
      assert.match(r.headers['content-type'], /^text\/javascript/, js);
      assert.doesNotMatch(r.body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, js);
    }

    const page = await browser.context.newPage();
    page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    page.on('console', (m) => { if (m.type() === 'error' && /Content.Security.Policy|Refused/i.test(m.text())) problems.push(m.text()); });

    // French first, switched to English with the language button, and back.
    await page.goto(meet.webUrl + '/?lang=fr');
    await page.getByRole('button', { name: NAMES.fr.joinCall }).waitFor(WAIT);
    assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'fr');
    await allNamed(page);
    await page.getByRole('button', { name: NAMES.fr.lang }).click();
    await page.getByRole('button', { name: NAMES.en.joinCall }).waitFor(WAIT);
    assert.strictEqual(await page.evaluate(() => document.documentElement.lang), 'en');

    // A name that looks like markup, through the whole join flow by role.
    const name = '<b>Bob</b> <img src=x onerror=alert(1)>';
    await join(page, meet.webUrl, name, { lang: 'en' });
    await page.getByRole('combobox', { name: NAMES.en.camera }).count();
    const item = page.getByRole('listitem').filter({ hasText: name + ' (you)' });
    // The name as text; then its mute state (this page has no devices).
    assert.strictEqual(await item.locator('.who').textContent(), name + ' (you)');
    assert.strictEqual(await item.textContent(), name + ' (you) microphone off camera off');
    assert.strictEqual(await page.locator('#app b, #app img:not(#logo)').count(), 0);

    // The call's controls, by name, in both languages.
    for (const lang of ['en', 'fr']) {
      const n = NAMES[lang];
      for (const b of [n.mute, n.cameraOff, n.leave])
        await page.getByRole('button', { name: b, exact: true }).waitFor(WAIT);
      await page.getByRole('region', { name: n.video }).waitFor(WAIT);
      await page.getByRole('figure', { name: name + ' ' + n.you }).waitFor(WAIT);
      await allNamed(page);
      await page.getByRole('button', { name: n.lang }).click();
    }

    // Leaving says so and offers to rejoin, in both languages.
    await page.getByRole('button', { name: NAMES.en.leave }).click();
    await page.getByRole('status').filter({ hasText: NAMES.en.left }).waitFor(WAIT);
    await page.getByRole('button', { name: NAMES.en.rejoin }).waitFor(WAIT);
    await page.getByRole('button', { name: NAMES.en.lang }).click();
    await page.getByRole('button', { name: NAMES.fr.rejoin }).waitFor(WAIT);
    await page.getByRole('status').filter({ hasText: NAMES.fr.left }).waitFor(WAIT);
    assert.deepStrictEqual(problems, []);
  } finally {
    await browser.close();
    await meet.stop();
  }
});
