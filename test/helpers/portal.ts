import { expect } from 'vitest';
import { Browser } from './http.js';

/** A person at a browser: keeps cookies, reads pages, sends forms with their CSRF token. */
export class Visitor {
  readonly browser = new Browser();
  constructor(private readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}) {
    const response = await this.browser.request(`${this.base}${path}`, { headers });
    return { status: response.status, html: await response.text(), response };
  }

  /** Opens `page`, then sends `action` with the page's CSRF token and the fields. */
  async send(page: string, action: string, fields: Record<string, string> = {}) {
    const { html } = await this.get(page);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(csrf, `a CSRF token on ${page}`).toBeDefined();
    const response = await this.browser.submit(`${this.base}${action}`, {
      _csrf: csrf!,
      ...fields,
    });
    return { status: response.status, html: await response.text(), response };
  }
}
