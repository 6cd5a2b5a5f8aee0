import { expect } from 'vitest';
import { Browser } from './http.js';

/** A person at a browser using the owner dashboard: signs in at the platform's provider. */
export class DashboardUser {
  readonly browser = new Browser();
  /** The Set-Cookie headers of the callback that ended the last sign-in. */
  callbackCookies: string[] = [];

  constructor(private readonly base: string) {}

  private url(location: string): string {
    return new URL(location, this.base).toString();
  }

  async get(path: string, headers: Record<string, string> = {}) {
    const response = await this.browser.request(this.url(path), { headers });
    return { status: response.status, html: await response.text(), response };
  }

  /** Follows one redirect, checking it is one. */
  private async follow(response: Response, status = 303): Promise<Response> {
    expect(response.status, `a redirect from ${response.url}`).toBe(status);
    return this.browser.request(this.url(response.headers.get('location')!));
  }

  /**
   * Opens `path` signed out and goes through the provider's login and consent pages back to
   * the dashboard; the page it lands on.
   */
  async signIn(email: string, password: string, path = '/dashboard') {
    const first = await this.browser.request(this.url(path));
    expect(first.headers.get('location')).toBe(
      `/dashboard/signin?next=${encodeURIComponent(path)}`,
    );
    const signInRoute = await this.follow(first);
    const authorize = new URL(signInRoute.headers.get('location')!, this.base);
    expect(authorize.pathname).toBe('/oauth2/authorize');
    const interaction = await this.follow(signInRoute);
    const loginUrl = this.url(interaction.headers.get('location')!);
    const loginPage = await this.follow(interaction);
    expect(await loginPage.text()).toContain('Witty-Home dashboard');
    const login = await this.browser.submit(`${loginUrl}/login`, { email, password });
    const resumed = await this.follow(login);
    const consentUrl = this.url(resumed.headers.get('location')!);
    const consentPage = await this.follow(resumed);
    expect(await consentPage.text()).toContain('Authorize Witty-Home dashboard');
    const consent = await this.browser.submit(`${consentUrl}/consent`, {});
    const final = await this.follow(consent);
    const callback = new URL(final.headers.get('location')!);
    expect(callback.pathname).toBe('/dashboard/callback');
    const landed = await this.follow(final);
    this.callbackCookies = landed.headers.getSetCookie();
    expect(landed.headers.get('location')).toBe(path);
    return this.get(path);
  }

  /** Opens `page`, then posts `action` with the page's CSRF token and the fields. */
  async send(
    page: string,
    action: string,
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    const { html } = await this.get(page);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(csrf, `a CSRF token on ${page}`).toBeDefined();
    const response = await this.browser.request(this.url(action), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ _csrf: csrf!, ...fields }).toString(),
    });
    return { status: response.status, response, text: await response.text() };
  }
}
