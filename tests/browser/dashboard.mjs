// Drives Debian's chromium (headless) through the dashboard of a running `nines serve`:
// crates/nines/tests/dashboard.rs starts the server with seeded data and runs this script.
//
//   BASE=http://127.0.0.1:PORT READ_TOKEN=... SCREENSHOTS=target/dashboard \
//   XSS_SLO=evil/xss node tests/browser/dashboard.mjs
//
// Every check throws on failure with what it saw; the exit status is 0 only when all pass.
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

const BASE = process.env.BASE;
const READ_TOKEN = process.env.READ_TOKEN;
const SCREENSHOTS = process.env.SCREENSHOTS;
const XSS_SLO = process.env.XSS_SLO;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const REFRESH_WAIT_MS = Number(process.env.REFRESH_WAIT_MS || "33000");
assert.ok(BASE && READ_TOKEN && SCREENSHOTS && XSS_SLO, "BASE, READ_TOKEN, SCREENSHOTS and XSS_SLO are required");
const server = new URL(BASE);

const log = (message) => process.stderr.write(`browser: ${message}\n`);

async function api(path) {
  const response = await fetch(new URL(path, BASE), { headers: { Authorization: `Bearer ${READ_TOKEN}` } });
  assert.equal(response.status, 200, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/// Two numbers from the API and the DOM agree (both printed from the same f64).
function same(dom, apiValue, what) {
  if (apiValue === null || apiValue === undefined) {
    assert.equal(dom, null, `${what}: the API has no value, the page shows ${dom}`);
    return;
  }
  assert.notEqual(dom, null, `${what}: the page has no value, the API has ${apiValue}`);
  assert.ok(Math.abs(Number(dom) - apiValue) <= 1e-12 * Math.max(1, Math.abs(apiValue)),
    `${what}: page ${dom} vs API ${apiValue}`);
}

/// "99.53%" -> 0.9953
function percentText(text) {
  const match = /(-?[0-9.]+)%/.exec(text);
  return match ? Number(match[1]) / 100 : null;
}

const userData = mkdtempSync(join(tmpdir(), "nines-chromium-"));
mkdirSync(SCREENSHOTS, { recursive: true });
const context = await chromium.launchPersistentContext(userData, {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  viewport: { width: 1400, height: 900 },
});
const foreign = [];
const consoleErrors = [];
const dialogs = [];
let collectErrors = false;
context.on("request", (request) => {
  const url = new URL(request.url());
  if (url.protocol !== "data:" && url.host !== server.host) { foreign.push(request.url()); }
  if (url.host === server.host && url.pathname === "/x") { foreign.push(`the XSS image was requested: ${request.url()}`); }
});
const page = context.pages()[0] || await context.newPage();
page.on("console", (message) => { if (collectErrors && message.type() === "error") { consoleErrors.push(message.text()); } });
page.on("pageerror", (error) => consoleErrors.push(`page error: ${error.message}`));
page.on("dialog", async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });

try {
  // --- the read token: 401 and a form, then a cookie ----------------------------------
  let response = await page.goto(BASE + "/");
  assert.equal(response.status(), 401, "the overview without the token cookie");
  assert.ok(await page.locator("form.login input[name=token]").count() === 1, "the token form is shown");
  await page.fill("form.login input[name=token]", "wrong-token-0123456789");
  await Promise.all([page.waitForNavigation(), page.click("form.login button")]);
  assert.ok((await page.textContent("main")).includes("not accepted"), "a wrong token is refused");
  await page.fill("form.login input[name=token]", READ_TOKEN);
  await Promise.all([page.waitForNavigation(), page.click("form.login button")]);
  assert.equal(new URL(page.url()).pathname, "/", "back to the overview");
  const cookies = await context.cookies(BASE);
  const cookie = cookies.find((each) => each.name === "nines_token");
  assert.ok(cookie, `the token cookie is set: ${JSON.stringify(cookies)}`);
  assert.equal(cookie.httpOnly, true, "the cookie is HttpOnly");
  assert.equal(cookie.sameSite, "Strict", "the cookie is SameSite=Strict");
  assert.equal(await page.evaluate(() => document.cookie), "", "scripts cannot read the cookie");
  log("read token: 401, form, cookie: ok");
  collectErrors = true;

  // --- the overview against /api/v1/slos --------------------------------------------------
  response = await page.goto(BASE + "/");
  assert.equal(response.status(), 200);
  const csp = response.headers()["content-security-policy"];
  assert.ok(csp && csp.includes("script-src 'self'") && !csp.includes("unsafe-inline"), `CSP: ${csp}`);
  const at = await page.getAttribute("main", "data-at");
  const report = await api(`/api/v1/slos?at=${encodeURIComponent(at)}`);
  const rows = await page.$$eval("tr.slo-row", (trs) => trs.map((tr) => ({
    slo: tr.dataset.slo, objective: tr.dataset.objective, state: tr.dataset.state,
    budget: tr.dataset.budget ?? null, sli: tr.dataset.sli ?? null,
    budgetText: tr.querySelector(".budget .number").textContent,
    sliText: tr.querySelector(".sli").textContent,
    service: tr.closest("section").dataset.service,
  })));
  assert.equal(rows.length, report.objectives.length, "one row per objective");
  for (const objective of report.objectives) {
    const name = `${objective.service}/${objective.slo}`;
    const row = rows.find((each) => each.slo === name && each.objective === objective.objective);
    assert.ok(row, `${name} ${objective.objective} is listed`);
    assert.equal(row.service, objective.service, `${name} is under its service`);
    same(row.budget, objective.budget_remaining, `${name} budget remaining`);
    same(row.sli, objective.sli, `${name} SLI`);
    if (objective.budget_remaining !== null) {
      assert.ok(Math.abs(percentText(row.budgetText) - objective.budget_remaining) < 0.0006, `${name} budget text ${row.budgetText}`);
    }
    if (objective.sli !== null) {
      assert.ok(Math.abs(percentText(row.sliText) - objective.sli) < 0.000006, `${name} SLI text ${row.sliText}`);
    }
  }
  log(`overview: ${rows.length} objectives match /api/v1/slos at ${at}`);

  // Sorted by risk: within a service worst first, services by their worst.
  const rank = { exhausted: 0, alerting: 1, "no-data": 2, "at-risk": 3, healthy: 4 };
  const ranks = rows.map((row) => rank[row.state]);
  assert.equal(ranks[0], Math.min(...ranks), `the worst objective comes first: ${rows.map((row) => row.state)}`);
  for (let index = 1; index < rows.length; index++) {
    if (rows[index].service === rows[index - 1].service) {
      assert.ok(ranks[index] >= ranks[index - 1], `risk order within ${rows[index].service}`);
    }
  }
  assert.ok(new Set(rows.map((row) => row.state)).size >= 2, `the seeded data gives several states: ${rows.map((row) => row.state)}`);
  const sparks = await page.$$eval("svg.spark path", (paths) => paths.filter((path) => (path.getAttribute("d") || "").length > 10).length);
  assert.ok(sparks >= 2, `sparklines drawn: ${sparks}`);
  await page.screenshot({ path: join(SCREENSHOTS, "overview.png"), fullPage: true });

  // --- the XSS spec renders as text and runs nothing -------------------------------------
  const [xssService, xssSlo] = XSS_SLO.split("/");
  const xssLink = page.locator(`tr.slo-row[data-slo="${XSS_SLO}"] td.name a`);
  assert.equal(await xssLink.textContent(), "<img src=x onerror=alert(1)>", "the display name is text");
  assert.equal(await page.locator("main img").count(), 0, "no image element was made from a name");

  // --- filters, sort and the URL ---------------------------------------------------------
  await Promise.all([page.waitForNavigation(), page.selectOption("form.filters select[name=state]", rows[0].state)]);
  let url = new URL(page.url());
  assert.equal(url.searchParams.get("state"), rows[0].state, `the state filter is in the URL: ${page.url()}`);
  let states = await page.$$eval("tr.slo-row", (trs) => trs.map((tr) => tr.dataset.state));
  assert.ok(states.length >= 1 && states.every((state) => state === rows[0].state), `only ${rows[0].state}: ${states}`);
  await Promise.all([page.waitForNavigation(), page.goto(BASE + "/")]);
  await page.fill("form.filters input[name=q]", "latency");
  await Promise.all([page.waitForNavigation(), page.press("form.filters input[name=q]", "Enter")]);
  url = new URL(page.url());
  assert.equal(url.searchParams.get("q"), "latency");
  assert.equal(url.searchParams.get("state"), null, "empty fields stay out of the URL");
  let names = await page.$$eval("tr.slo-row", (trs) => trs.map((tr) => `${tr.dataset.slo} ${tr.dataset.objective}`));
  const expected = report.objectives.filter((objective) => `${objective.service} ${objective.slo} ${objective.objective} ${objective.display_name || ""} ${objective.owner || ""}`.toLowerCase().includes("latency"));
  assert.equal(names.length, expected.length, `search "latency": ${names}`);
  await Promise.all([page.waitForNavigation(), page.selectOption("form.filters select[name=sort]", "name")]);
  url = new URL(page.url());
  assert.equal(url.searchParams.get("sort"), "name");
  assert.equal(url.searchParams.get("q"), "latency", "the search survives a sort change");
  names = await page.$$eval("tr.slo-row", (trs) => trs.map((tr) => tr.dataset.slo));
  assert.deepEqual(names, [...names].sort(), "sorted by name");
  // A shared link opens the same view.
  const shared = page.url();
  const second = await context.newPage();
  await second.goto(shared);
  assert.equal(await second.inputValue("form.filters input[name=q]"), "latency");
  assert.equal(await second.inputValue("form.filters select[name=sort]"), "name");
  assert.deepEqual(await second.$$eval("tr.slo-row", (trs) => trs.map((tr) => tr.dataset.slo)), names);
  // The page refreshes itself and keeps the view.
  await second.waitForFunction(() => document.documentElement.hasAttribute("data-refreshed"), null, { timeout: REFRESH_WAIT_MS + 10000 });
  assert.equal(second.url(), shared, "the URL is kept by the refresh");
  assert.equal(await second.inputValue("form.filters input[name=q]"), "latency", "the search is kept by the refresh");
  assert.deepEqual(await second.$$eval("tr.slo-row", (trs) => trs.map((tr) => tr.dataset.slo)), names);
  await second.close();
  log("filters, sort, URL state and refresh: ok");

  // --- an SLO page by click ---------------------------------------------------------------
  await page.goto(BASE + "/?sort=name");
  const target = report.objectives.find((objective) => objective.service !== xssService && objective.valid > 0);
  assert.ok(target, "an objective with data");
  const link = page.locator(`tr.slo-row[data-slo="${target.service}/${target.slo}"][data-objective="${target.objective}"] td.name a`);
  await Promise.all([page.waitForNavigation(), link.click()]);
  assert.equal(new URL(page.url()).pathname, `/slo/${target.service}/${target.slo}`);
  for (const key of ["budget", "sli", "burn", "volume", "alerts", "policy"]) {
    assert.equal(await page.locator(`figure[data-chart="${key}"] svg`).count(), 1, `chart ${key} is drawn`);
  }
  for (const key of ["budget", "sli", "burn", "volume"]) {
    const lengths = await page.$$eval(`figure[data-chart="${key}"] path.series`, (paths) => paths.map((path) => (path.getAttribute("d") || "").length));
    assert.ok(lengths.length > 0 && lengths.some((length) => length > 20), `chart ${key} has a non-empty line: ${lengths}`);
    const box = await page.locator(`figure[data-chart="${key}"] svg`).boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `chart ${key} has a size: ${JSON.stringify(box)}`);
    const hover = await page.locator(`figure[data-chart="${key}"] rect.hover title`).last().textContent();
    assert.match(hover, /^\d{4}-\d\d-\d\dT/, `chart ${key} hover shows the time`);
  }
  assert.equal(await page.locator('figure[data-chart="budget"] line.ideal').count(), 1, "the ideal burn-down line");
  assert.equal(await page.locator('figure[data-chart="sli"] line.target').count(), 1, "the target line");
  // Values against the series endpoint at a few points.
  const points = await page.$$eval('figure[data-chart="budget"] tr[data-at]', (trs) => trs.map((tr) => tr.dataset.at));
  assert.ok(points.length > 10, `budget table points: ${points.length}`);
  for (const instant of [points[0], points[Math.floor(points.length / 2)], points[points.length - 1]]) {
    const series = await api(`/api/v1/slos/${target.service}/${target.slo}/series?objective=${target.objective}&from=${encodeURIComponent(instant)}&to=${encodeURIComponent(instant)}`);
    assert.equal(series.points.length, 1, `one point at ${instant}`);
    const point = series.points[0];
    const cell = async (chart, name) => page.getAttribute(`figure[data-chart="${chart}"] tr[data-at="${instant}"] td[data-series="${name}"]`, "data-value");
    same(await cell("budget", "budget remaining"), point.budget_remaining, `budget at ${instant}`);
    same(await cell("sli", "SLI"), point.sli, `SLI at ${instant}`);
    same(await cell("volume", "valid"), point.valid, `valid at ${instant}`);
    same(await cell("volume", "good"), point.good, `good at ${instant}`);
  }
  await page.screenshot({ path: join(SCREENSHOTS, "slo.png"), fullPage: true });
  // Another range.
  await Promise.all([page.waitForNavigation(), page.click('nav.ranges a[data-range="1d"]')]);
  assert.equal(new URL(page.url()).searchParams.get("range"), "1d");
  const first = await page.$eval('figure[data-chart="budget"] tr[data-at]', (tr) => tr.dataset.at);
  const last = await page.$$eval('figure[data-chart="budget"] tr[data-at]', (trs) => trs[trs.length - 1].dataset.at);
  const span = Date.parse(last) - Date.parse(first);
  assert.ok(span <= 86400000 && span > 86400000 * 0.9, `the 1-day range spans a day: ${first} to ${last}`);
  log(`SLO page ${target.service}/${target.slo}: charts match the series endpoint`);

  // --- the XSS SLO's own page, service page and the gate ----------------------------------
  await page.goto(`${BASE}/slo/${xssService}/${xssSlo}`);
  assert.ok((await page.textContent("h1")).includes("<img src=x onerror=alert(1)>"), "the SLO page shows the name as text");
  assert.equal(await page.locator("main img").count(), 0);
  const service = target.service;
  response = await page.goto(`${BASE}/service/${service}`);
  assert.equal(response.status(), 200);
  assert.equal(await page.locator("section.gate").count(), 1, "the service page has its gate decision");
  response = await page.goto(`${BASE}/gate?service=${service}`);
  const gate = await api(`/api/v1/gate?service=${service}`);
  assert.equal(await page.getAttribute("section.gate", "data-allowed"), String(gate.allowed), "the gate page agrees with the API");
  assert.ok((await page.textContent("p.verdict")).startsWith(gate.allowed ? "✔ Yes" : "✖ No"));
  // A phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(BASE + "/");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scrolling on a phone: ${overflow}px`);
  await page.screenshot({ path: join(SCREENSHOTS, "overview-phone.png") });
  // The dark theme follows the system's preference.
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${BASE}/slo/${target.service}/${target.slo}`);
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, "rgb(15, 20, 25)", "the dark theme's background");
  await page.screenshot({ path: join(SCREENSHOTS, "slo-dark.png") });

  assert.deepEqual(dialogs, [], "no script ran from a name (no dialog)");
  assert.deepEqual(foreign, [], "no request to another host");
  assert.deepEqual(consoleErrors, [], "no console errors");
  log("all checks passed");
} finally {
  await context.close();
  rmSync(userData, { recursive: true, force: true });
}
