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

/// Types `prompt`, clicks send, and waits until part of the answer is on the page: the text so far.
async function ask(page, prompt) {
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

    // 1. One tab: the reply arrives in pieces, and in full.
    const page = await context.newPage();
    await page.goto(url);
    const prompt = 'hello from a headless browser';
    const partial = await ask(page, prompt);
    const full = await answer(page);
    check(full === `echo: ${prompt}`, `the reply is the emulator's echo: "${full}"`);
    check(partial.length < full.length && full.startsWith(partial), `it streamed in: "${partial}" came first`);
    const screenshot = path.join(work_dir, 'sse_server.png');
    await page.screenshot({ path: screenshot });
    const png = fs.readFileSync(screenshot);
    check(png.length > 100 && png.subarray(1, 4).toString() === 'PNG', `screenshot ${screenshot} (${png.length} bytes)`);

    // 2. Three tabs, each its own stream, all streaming at once.
    const tabs = await Promise.all([1, 2, 3].map(() => context.newPage()));
    await Promise.all(tabs.map(tab => tab.goto(url)));
    const before = await stats(url);
    await Promise.all(tabs.map((tab, i) => ask(tab, `tab ${i} says one two three four five six seven eight`)));
    const states = await Promise.all(tabs.map(tab => tab.getAttribute('#reply', 'data-state')));
    check(states.every(s => s === 'streaming'), 'three tabs streaming at the same time');
    const replies = await Promise.all(tabs.map(answer));
    replies.forEach((r, i) => check(r === `echo: tab ${i} says one two three four five six seven eight`, `tab ${i} got its own answer`));
    const after = await stats(url);
    check(after.converse_stream_requests - before.converse_stream_requests === 3, 'three ConverseStream requests');
    check(after.streams_abandoned_by_client === 0, 'no stream abandoned so far');
    await Promise.all(tabs.map(tab => tab.close()));

    // 3. A tab closed mid-answer: the server closes its Bedrock stream, which the emulator sees.
    const doomed = await context.newPage();
    await doomed.goto(url);
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
