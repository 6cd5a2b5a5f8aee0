import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

describeEachDialect('operations endpoints', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  it('/healthz answers ok', async () => {
    const response = await t.app.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz checks the database, and names the node and its role', async () => {
    const response = await t.app.inject('/readyz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      node: t.config.nodeId,
      role: 'all',
      database: dialect,
      dependencies: { database: 'up', nats: 'none' },
    });
    expect(t.config.nodeId).toMatch(/-\d+$/);
  });

  it('/metrics exposes request durations in Prometheus format', async () => {
    await t.app.inject('/healthz');
    const response = await t.app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(
      /witty_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} \d+/,
    );
    expect(response.body).toContain('witty_process_cpu_seconds_total');
    expect(response.body).toMatch(/witty_ocpp_connected_stations \d+/);
  });

  describe('request ids', () => {
    it('are generated and returned', async () => {
      const response = await t.app.inject('/healthz');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
    it("reuse the caller's X-Request-Id", async () => {
      const response = await t.app.inject({
        url: '/healthz',
        headers: { 'x-request-id': 'trace-42' },
      });
      expect(response.headers['x-request-id']).toBe('trace-42');
    });
  });

  it('the home page links the reference and the discovery document', async () => {
    const response = await t.app.inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('href="/docs"');
    expect(response.body).toContain('href="/.well-known/openid-configuration"');
  });

  it('/docs serves the interactive reference pointing at the OpenAPI document', async () => {
    const response = await t.app.inject('/docs');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('data-openapi="/v1/openapi.json"');
    expect(response.body).toContain('data-client-id="witty-api-reference"');
    expect(response.body).not.toMatch(/<script>/);
    const reference = await t.app.inject('/docs/reference.js');
    expect(reference.statusCode).toBe(200);
    expect(reference.body).toContain('usePkceWithAuthorizationCodeGrant: true');
    expect(reference.body).toContain('/sandbox');
    const script = await t.app.inject('/docs/swagger-ui-bundle.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('text/javascript');
    expect(script.body.length).toBeGreaterThan(100_000);
    expect((await t.app.inject('/docs/package.json')).statusCode).toBe(404);
    expect((await t.app.inject('/docs/..%2Fpackage.json')).statusCode).toBe(404);
  });

  it('the reference page is an OAuth client whose redirect URI is its own', async () => {
    const client = await t.app.platform.provider.Client.find('witty-api-reference');
    expect(client?.redirectUris).toEqual([`${t.config.publicUrl}/docs/oauth2-redirect.html`]);
  });

  it('unknown routes answer a 404 problem, never a stack trace', async () => {
    const response = await t.app.inject('/nowhere');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});
