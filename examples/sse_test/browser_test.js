// examples/sse_server in a real browser (headless Chromium driven by playwright-core), on the emulator:
//   1. one tab: the reply streams in (partial text first, then "echo: <prompt>"); a screenshot;
//   2. three tabs at once, each streaming its own answer at the same time;
//   3. a tab closed mid-answer: the emulator reports the Bedrock stream abandoned by its client,
//      which is the server closing it.
//
//   node browser_test.js <sse_server binary> <work dir: node_modules and the screenshot go there>
//
// Exit 77 (ctest's SKIP_RETURN_CODE) when Chromium or the npm registry is missing, saying which;
// with CI=true those fail instead (cmake/install-deps.sh installs Chromium).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const [server_binary, work_dir] = process.argv.slice(2).map(p => path.resolve(p));
const chromium = process.env.BEDROCK_CHROMIUM || '/usr/bin/chromium'; // Debian's
// Events 150 ms apart: slow enough to see an answer half-written, and to close a tab mid-answer.
const model = 'slow-events-150:sse-test';
const started = Date.now();

function skip(why) {
  if (process.env.CI === 'true') {
    console.error(`FAIL: ${why} (CI=true: a missing dependency is a failure there)`);
    process.exit(1);
  }
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

function check(ok, what) {
  if (!ok)
    throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

/// playwright-core from the pinned lock file, installed into the build tree once.
function load_playwright() {
  const module_dir = path.join(work_dir, 'node_modules', 'playwright-core');
  const version = dir => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const pinned = require(path.join(work_dir, 'package-lock.json')).packages['node_modules/playwright-core'].version;
  if (!fs.existsSync(module_dir) || version(module_dir) !== pinned) {
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: work_dir, encoding: 'utf8', timeout: 120000 });
    if (npm.status !== 0)
      skip(`npm ci of playwright-core failed (no npm registry?): ${(npm.stderr || String(npm.error)).trim().split('\n').slice(0, 3).join(' / ')}`);
  }
  return require(module_dir);
}

/// Starts the server; resolves with its URL, the first line it prints.
function start_server() {
  const child = spawn(server_binary, ['--port', '0', '--model', model], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', url => resolve({ child, url }));
    child.once('exit', code => reject(new Error(`sse_server exited (${code}) before printing its URL`)));
  });
}

async function stats(url) {
  return (await fetch(new URL('/emulator/stats', url))).json();
}

/// A tab with the page, which records every text the reply shows and when (window.pieces): what
/// the test sees does not depend on how often it looks.
async function open_tab(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.evaluate(() => {
    const reply = document.getElementById('reply');
    window.pieces = [];
    new MutationObserver(() => {
      if (reply.textContent)
        window.pieces.push({ at: Date.now(), text: reply.textContent });
    }).observe(reply, { childList: true, characterData: true, subtree: true });
  });
  return page;
}

/// Types `prompt`, clicks send, and waits until part of the answer is on the page: the text so far.
async function ask(page, prompt) {
  await page.evaluate(() => { window.pieces = []; });
  await page.fill('#prompt', prompt);
  await page.click('#send');
  await page.waitForFunction(() => {
    const r = document.getElementById('reply');
    return r.dataset.state === 'streaming' && r.textContent.length > 0;
  }, null, { polling: 10, timeout: 10000 });
  return page.textContent('#reply');
}

async function answer(page) {
  await page.waitForFunction(() => document.getElementById('reply').dataset.state !== 'streaming', null,
                             { timeout: 20000 });
  check(await page.getAttribute('#reply', 'data-state') === 'done', 'the answer ended with its done event');
  return page.textContent('#reply');
}

async function main() {
  if (!fs.existsSync(chromium))
    skip(`${chromium} not found (apt-get install chromium)`);
  const { chromium: launcher } = load_playwright();
  const { child, url } = await start_server();
  console.log(`sse_server at ${url}`);
  let browser;
  try {
    browser = await launcher.launch({ executablePath: chromium, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    const context = await browser.newContext();

    // 1. One tab: the reply arrives in pieces, over time, and in full.
    const page = await open_tab(context, url);
    const prompt = 'hello from a headless browser';
    await ask(page, prompt);
    const full = await answer(page);
    check(full === `echo: ${prompt}`, `the reply is the emulator's echo: "${full}"`);
    const pieces = await page.evaluate(() => window.pieces);
    const first = pieces[0], last = pieces[pieces.length - 1];
    check(pieces.length > 1 && pieces.every(p => full.startsWith(p.text)) && last.text === full,
          `it streamed in: ${pieces.map(p => JSON.stringify(p.text)).join(', ')}`);
    check(last.at - first.at >= 150, `over ${last.at - first.at} ms (the events were 150 ms apart)`);
    const screenshot = path.join(work_dir, 'sse_server.png');
    await page.screenshot({ path: screenshot });
    const png = fs.readFileSync(screenshot);
    check(png.length > 100 && png.subarray(1, 4).toString() === 'PNG', `screenshot ${screenshot} (${png.length} bytes)`);

    // 2. Three tabs, each its own stream, all streaming at once (answers of about 3 s, so that the
    //    three overlap even when the tabs start slowly on a loaded machine).
    const words = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';
    const tabs = await Promise.all([1, 2, 3].map(() => open_tab(context, url)));
    const before = await stats(url);
    await Promise.all(tabs.map((tab, i) => ask(tab, `tab ${i} says ${words}`)));
    const replies = await Promise.all(tabs.map(answer));
    replies.forEach((r, i) => check(r === `echo: tab ${i} says ${words}`, `tab ${i} got its own answer`));
    // Every tab had its first piece before any tab had its last: the three streams overlapped.
    const spans = await Promise.all(tabs.map(tab => tab.evaluate(() => [pieces[0].at, pieces[pieces.length - 1].at])));
    const overlap = Math.min(...spans.map(s => s[1])) - Math.max(...spans.map(s => s[0]));
    check(overlap > 0, `three tabs streaming at the same time (for ${overlap} ms)`);
    const after = await stats(url);
    check(after.converse_stream_requests - before.converse_stream_requests === 3, 'three ConverseStream requests');
    check(after.streams_abandoned_by_client === 0, 'no stream abandoned so far');
    await Promise.all(tabs.map(tab => tab.close()));

    // 3. A tab closed mid-answer: the server closes its Bedrock stream, which the emulator sees.
    const doomed = await open_tab(context, url);
    await ask(doomed, 'a long question that will never get its whole answer because the tab closes first');
    await doomed.close();
    const closed_at = Date.now();
    let seen = await stats(url);
    while (seen.streams_abandoned_by_client < 1 && Date.now() - closed_at < 10000) {
      await new Promise(r => setTimeout(r, 50));
      seen = await stats(url);
    }
    check(seen.streams_abandoned_by_client === 1,
          `the emulator saw the stream abandoned ${Date.now() - closed_at} ms after the tab closed`);
  } finally {
    if (browser)
      await browser.close();
    child.kill('SIGTERM');
  }
  console.log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
