import type { Browser, BrowserContext, ConsoleMessage } from '@playwright/test';

/** One thing the browser reported as an error: a console error, or an exception no code caught. */
export type ConsoleProblem = { kind: 'console' | 'exception'; url: string; text: string };

/**
 * Collects the console errors and uncaught exceptions of Trunkline's pages (the app's origin) in every browser
 * context it watches; pages of others (Microsoft's emulated sign-in pages) are not ours to judge. A spec fails
 * on any (see fixtures.ts) unless it allowed that one by pattern, for an answer the test provokes on purpose
 * (e.g. a wrong secret that Microsoft refuses).
 */
export class ConsoleGuard {
  readonly problems: ConsoleProblem[] = [];
  private readonly origin: string;

  constructor(appUrl: string) {
    this.origin = new URL(appUrl).origin;
  }

  private readonly allowed: RegExp[] = [];
  private readonly watched = new WeakSet<BrowserContext>();

  /** Lets errors whose text (or the failed request's URL) matches through; for deliberate failures only. */
  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  watch(context: BrowserContext): BrowserContext {
    if (this.watched.has(context)) return context;
    this.watched.add(context);
    context.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      const url = message.page()?.url() ?? '';
      const location = message.location().url;
      this.record({ kind: 'console', url, text: `${message.text()}${location ? ` (${location})` : ''}` });
    });
    context.on('weberror', (error) => {
      this.record({ kind: 'exception', url: error.page()?.url() ?? '', text: String(error.error()) });
    });
    return context;
  }

  /** Watches every context the browser opens while `run` lasts (browser.newContext / browser.newPage). */
  async watchBrowser<T>(browser: Browser, run: () => Promise<T>): Promise<T> {
    const newContext = browser.newContext.bind(browser);
    const newPage = browser.newPage.bind(browser);
    browser.newContext = async (...args) => this.watch(await newContext(...args));
    browser.newPage = async (...args) => {
      const page = await newPage(...args);
      this.watch(page.context());
      return page;
    };
    try {
      return await run();
    } finally {
      browser.newContext = newContext;
      browser.newPage = newPage;
    }
  }

  /** The problems no `allow` covers, one per line, for the failure message. */
  unexpected(): string[] {
    return this.problems
      .filter((p) => !this.allowed.some((pattern) => pattern.test(p.text)))
      .map((p) => `[${p.kind}] ${p.url}: ${p.text}`);
  }

  private record(problem: ConsoleProblem) {
    if (!problem.url.startsWith(this.origin)) return;
    this.problems.push(problem);
  }
}
