import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Request,
  type Response,
} from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { SharingMailer } from '../../src/sharing/index.js';
import { createTestApp, type TestApp, type TestDialect } from './test-app.js';

/** Debian's chromium: the browser tests use the system's browser and never download one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

// No sandbox: CI runs as root in a container. The rest keeps the browser from calling home.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
/** Where screenshots() writes its PNGs (ignored by git). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'artifacts/screenshots');
/** The widths every screenshot is taken at: a laptop and a small phone. */
export const SCREENSHOT_WIDTHS = [1280, 375] as const;

/** A response of 400 or more that a test expects, such as the page of an unknown code. */
export interface ExpectedResponse {
  path: string;
  status: number;
}

/** The platform and the browser of one test file, with a fresh browser context per test. */
export interface BrowserTest {
  /** The running platform; its PUBLIC_URL is the address the browser opens. */
  readonly t: TestApp;
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  /**
   * Opens a path of the platform in a new page of this test's context and checks the status
   * of the answer (200 unless told); an expected status of 400 or more is not a problem.
   */
  open(path: string, options?: { status?: number }): Promise<Page>;
  /** Declares a response of 400 or more that this test expects (after a form, say). */
  expectResponse(expected: ExpectedResponse): void;
  /**
   * The problems seen so far in this test's pages, and forgets them: console errors, uncaught
   * exceptions, failed requests, unexpected statuses of 400 or more, requests leaving the
   * platform. After each test, any left fail it.
   */
  takeProblems(): string[];
}

interface Seen {
  consoleErrors: { text: string; url: string }[];
  pageErrors: string[];
  failedRequests: { method: string; url: string; error: string }[];
  responses: { method: string; url: string; status: number }[];
  outside: Set<string>;
  expected: ExpectedResponse[];
}

const nothingSeen = (): Seen => ({
  consoleErrors: [],
  pageErrors: [],
  failedRequests: [],
  responses: [],
  outside: new Set(),
  expected: [],
});

/**
 * Registers the hooks of a browser test file: the platform started for real (listening on
 * 127.0.0.1) and chromium launched once before the tests, a new browser context before each
 * test, and after it a failure if its pages had any problem (see takeProblems).
 */
export function browserTest(
  options: {
    dialect?: TestDialect;
    env?: Record<string, string>;
    sharingMailer?: SharingMailer;
  } = {},
): BrowserTest {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let baseUrl = '';
  let seen = nothingSeen();

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM_PATH)) {
      throw new Error(
        `No browser at ${CHROMIUM_PATH}: the browser tests need Debian's chromium. ` +
          'Install it with `apt-get install -y chromium` (as root).',
      );
    }
    app = await createTestApp(options.dialect ?? 'sqlite', options.env, {
      listen: true,
      ...(options.sharingMailer ? { sharingMailer: options.sharingMailer } : {}),
    });
    const address = app.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the app does not listen');
    baseUrl = `http://127.0.0.1:${address.port}`;
    // Redirects, the OpenID issuer and links are built from PUBLIC_URL: it must be this address.
    if (app.config.publicUrl !== baseUrl) {
      throw new Error(`PUBLIC_URL is ${app.config.publicUrl}, the browser opens ${baseUrl}`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_FLAGS,
      headless: true,
      timeout: 20_000,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  beforeEach(async () => {
    seen = nothingSeen();
    const current = await browser!.newContext({
      baseURL: baseUrl,
      viewport: { width: SCREENSHOT_WIDTHS[0], height: 800 },
      locale: 'en-US',
    });
    // Well under the test timeout, so that a missing element fails with its own message.
    current.setDefaultTimeout(10_000);
    // The pages must work from the platform alone: a request elsewhere is stopped and reported.
    await current.route(
      (url) => url.origin !== baseUrl,
      async (route) => {
        seen.outside.add(`${route.request().method()} ${route.request().url()}`);
        await route.abort('blockedbyclient');
      },
    );
    current.on('console', (message) => {
      if (message.type() === 'error') {
        seen.consoleErrors.push({ text: message.text(), url: message.location().url });
      }
    });
    current.on('weberror', (error) => seen.pageErrors.push(String(error.error())));
    current.on('requestfailed', (request: Request) => {
      // A load still under way when its page goes (a reload, a link followed before the page
      // finished loading) is cut off by the browser: an event stream, the chart's figures, a
      // script. ERR_ABORTED is the browser's own cancelling, never the server's answer.
      if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
      seen.failedRequests.push({
        method: request.method(),
        url: request.url(),
        error: request.failure()?.errorText ?? 'failed',
      });
    });
    current.on('response', (response: Response) => {
      if (response.status() >= 400) {
        seen.responses.push({
          method: response.request().method(),
          url: response.url(),
          status: response.status(),
        });
      }
    });
    context = current;
  });

  afterEach(async () => {
    const problems = takeProblems();
    await context?.close();
    context = undefined;
    if (problems.length > 0) {
      throw new Error(`The pages of this test had problems:\n- ${problems.join('\n- ')}`);
    }
  });

  function isExpected(url: string, status: number): boolean {
    const { pathname, origin } = new URL(url);
    return (
      origin === baseUrl &&
      seen.expected.some((expected) => expected.path === pathname && expected.status === status)
    );
  }

  function takeProblems(): string[] {
    const problems: string[] = [];
    const networkUrls = new Set<string>();
    for (const { method, url, error } of seen.failedRequests) {
      networkUrls.add(url);
      problems.push(
        seen.outside.has(`${method} ${url}`)
          ? `request outside the platform: ${method} ${url}`
          : `request failed: ${method} ${url} (${error})`,
      );
    }
    for (const { method, url, status } of seen.responses) {
      networkUrls.add(url);
      if (!isExpected(url, status)) problems.push(`unexpected ${status}: ${method} ${url}`);
    }
    for (const { text, url } of seen.consoleErrors) {
      // Chromium logs every failed load too; the network events above already judged those.
      if (text.startsWith('Failed to load resource') && networkUrls.has(url)) continue;
      problems.push(`console error: ${text}${url ? ` (${url})` : ''}`);
    }
    for (const error of seen.pageErrors) problems.push(`uncaught exception: ${error}`);
    const expected = seen.expected;
    seen = nothingSeen();
    seen.expected = expected;
    return problems;
  }

  return {
    get t() {
      if (!app) throw new Error('the platform is not started yet (use it inside a test)');
      return app;
    },
    get baseUrl() {
      return baseUrl;
    },
    expectResponse(expected) {
      seen.expected.push(expected);
    },
    async open(pathname, { status = 200 } = {}) {
      if (!context) throw new Error('no browser context (use open inside a test)');
      if (status >= 400) seen.expected.push({ path: new URL(pathname, baseUrl).pathname, status });
      const page = await context.newPage();
      const response = await page.goto(pathname);
      if (response?.status() !== status) {
        throw new Error(`${pathname} answered ${response?.status()}, expected ${status}`);
      }
      return page;
    },
    takeProblems,
  };
}

// Serious and critical violations fail; moderate and minor ones are left to review.
const FAILING_IMPACTS = new Set(['serious', 'critical']);

/** Elements one axe rule leaves out: markup the platform does not write (the call says why). */
export interface AxeExclusion {
  rule: string;
  selector: string;
}

/**
 * Runs axe-core (WCAG 2.0 A and AA, WCAG 2.1 AA) on the page and fails with a readable list of
 * its serious and critical violations, less the elements of `exclude` for their rule only.
 */
export async function checkAccessibility(
  page: Page,
  options: { exclude?: AxeExclusion[] } = {},
): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21aa'])
    .analyze();
  const failing: { id: string; impact: string; help: string; helpUrl: string; nodes: string[] }[] =
    [];
  for (const violation of violations) {
    if (!FAILING_IMPACTS.has(violation.impact ?? '')) continue;
    const exclusions = (options.exclude ?? []).filter((e) => e.rule === violation.id);
    const nodes: string[] = [];
    for (const node of violation.nodes) {
      const target = node.target.join(' ');
      if (await isExcluded(page, node.target, exclusions)) continue;
      nodes.push(`${target}: ${node.html.slice(0, 160)}`);
    }
    if (nodes.length > 0) failing.push({ ...violation, impact: violation.impact!, nodes });
  }
  if (failing.length === 0) return;
  const list = failing.map(({ id, impact, help, helpUrl, nodes }) => {
    const shown = nodes.slice(0, 5).map((node) => `    ${node}`);
    if (nodes.length > 5) shown.push(`    … and ${nodes.length - 5} more`);
    return `- ${id} (${impact}): ${help}\n${shown.join('\n')}\n    ${helpUrl}`;
  });
  throw new Error(
    `${page.url()}: ${failing.length} serious or critical accessibility violation(s)\n${list.join('\n')}`,
  );
}

async function isExcluded(
  page: Page,
  target: readonly unknown[],
  exclusions: AxeExclusion[],
): Promise<boolean> {
  // A target of several parts lies in a frame or a shadow root: never left out.
  if (exclusions.length === 0 || target.length !== 1 || typeof target[0] !== 'string') return false;
  const element = page.locator(target[0]);
  for (const { selector } of exclusions) {
    if ((await element.and(page.locator(selector)).count()) > 0) return true;
  }
  return false;
}

/**
 * Saves full-page PNGs of the page at each of SCREENSHOT_WIDTHS, as
 * artifacts/screenshots/NAME-WIDTH.png, and answers their paths.
 */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) throw new Error(`not a kebab-case name: ${name}`);
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const viewport = page.viewportSize() ?? { width: SCREENSHOT_WIDTHS[0], height: 800 };
  const files: string[] = [];
  for (const width of SCREENSHOT_WIDTHS) {
    await page.setViewportSize({ width, height: viewport.height });
    const file = path.join(SCREENSHOT_DIR, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(viewport);
  return files;
}
