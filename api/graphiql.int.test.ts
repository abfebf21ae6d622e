import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, validate } from 'graphql';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GRAPHIQL_DEFAULT_QUERY } from './yoga';
import { seedDevelopmentData } from '../prisma/seed';
import { schema } from '../schema';
import { graphiqlToken } from '../scripts/lib/graphiql-token';
import { startTestApi, type TestApi } from '../test/support/api';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { launchChromium } from '../test/support/launch-chromium';
import { TEST_PEPPER } from '../test/support/parties';

// GraphiQL as a person opens it, in a real browser that may reach nothing but this machine:
// intranets and strict content security policies refuse public CDNs, and a page that needs
// one never gets past "Loading". Set GRAPHIQL_SCREENSHOT to a file path to keep a picture of
// the answer (the README's docs/images/graphiql.png is made this way).

const VIEWER_QUERY = '{ viewer { party { legalName } } }';
// The seeded operator, whose maker's token `npm start` puts into GraphiQL.
const OPERATOR_LEGAL_NAME = '链融科技（深圳）有限公司';
const STEP_TIMEOUT_MS = 15_000;

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/** Monaco draws spaces as no-break spaces. */
function editorText(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

describe('GraphiQL in a browser with no network beyond loopback', () => {
  let db: TestDatabase;
  let api: TestApi;
  let browser: Browser;
  let bearerToken: string | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The cast `npm start` seeds, and the token it gives GraphiQL, chosen the same way.
    const tokens = await seedDevelopmentData(db.prisma, TEST_PEPPER);
    bearerToken = graphiqlToken({ tokens, nodeEnv: 'development', apiHost: '127.0.0.1' });
    api = await startTestApi(db.prisma, { graphiql: { bearerToken } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.drop();
  });

  /** A page whose every request beyond loopback is refused and remembered, with its errors (refusals of the page's policy among them). */
  async function isolatedPage(context: BrowserContext): Promise<{ page: Page; outside: string[]; problems: string[] }> {
    const outside: string[] = [];
    const problems: string[] = [];
    // Routes on the context see every request of its pages; the page's own policy is the second guard.
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (isLoopback(url)) return route.continue();
      outside.push(url.href);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('worker', (worker) => worker.on('console', (message) => message.type() === 'error' && problems.push(`worker console: ${message.text()}`)));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => console.error(`refused by the page's policy: ${event.blockedURI} (${event.violatedDirective})`));
    });
    return { page, outside, problems };
  }

  it('loads from the installed package, runs the viewer query with the pre-filled token and shows the answer', async () => {
    expect(bearerToken).toMatch(/^scf_/);
    const context = await browser.newContext({ viewport: { width: 1200, height: 640 } });
    try {
      const { page, outside, problems } = await isolatedPage(context);
      // On a timeout, say what the page tried to reach and what went wrong in it.
      const step = async (name: string, action: Promise<unknown>) => {
        try {
          await action;
        } catch (error) {
          throw new Error(`${name}: ${(error as Error).message.split('\n')[0]}; requests beyond loopback: ${JSON.stringify(outside)}; page problems: ${JSON.stringify(problems)}`, { cause: error });
        }
      };

      const response = await page.goto(api.url, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      const queryEditor = page.locator('.graphiql-query-editor .monaco-editor');
      await step('GraphiQL did not start', queryEditor.waitFor({ timeout: STEP_TIMEOUT_MS }));

      // The headers editor opens with the development token (the tools pane holds the variables editor too, hidden).
      const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor', { hasText: 'Authorization' });
      await step('the headers editor did not open', headersEditor.waitFor({ timeout: STEP_TIMEOUT_MS }));
      expect(JSON.parse(editorText(await headersEditor.locator('.view-lines').innerText()))).toEqual({ Authorization: `Bearer ${bearerToken}` });

      // The query it opens with is valid against the schema it serves.
      await step('the query editor stayed empty', queryEditor.filter({ hasText: 'viewer' }).waitFor({ timeout: STEP_TIMEOUT_MS }));
      const opening = editorText(await queryEditor.locator('.view-lines').innerText());
      expect(opening).toBe(GRAPHIQL_DEFAULT_QUERY.trimEnd());
      expect(validate(schema, parse(opening))).toEqual([]);

      // Replace it by the query, as a person types it.
      await queryEditor.locator('.view-lines').click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText(VIEWER_QUERY);
      expect(editorText(await queryEditor.locator('.view-lines').innerText())).toBe(VIEWER_QUERY);

      await page.locator('.graphiql-execute-button').click();
      const result = page.locator('.graphiql-response');
      await step('no answer in the result pane', result.filter({ hasText: OPERATOR_LEGAL_NAME }).waitFor({ timeout: STEP_TIMEOUT_MS }));
      expect(JSON.parse(editorText(await result.innerText()))).toEqual({ data: { viewer: { party: { legalName: OPERATOR_LEGAL_NAME } } } });

      expect(outside).toEqual([]);
      expect(problems).toEqual([]);
      // The browser itself would refuse any other origin, and the page ran under that policy.
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      const screenshotPath = process.env.GRAPHIQL_SCREENSHOT;
      if (screenshotPath) await page.screenshot({ path: screenshotPath });
    } finally {
      await context.close();
    }
  });
});
