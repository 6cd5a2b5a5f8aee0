import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { anInstallation } from '../helpers/builders.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

describeEachDialect('input hardening', (dialect) => {
  let t: TestApp;
  let token: string;
  let installationId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
    // The first installation of a fresh database is 1; create up to 16 so 0x10 would find one.
    for (let i = 0; i < 16; i++) installationId = await anInstallation(t, token);
  });
  afterAll(() => t.close());

  describe('integer path ids are decimal digits only', () => {
    it('reads an installation by its decimal id', async () => {
      const response = await t.api('GET', `/v1/installations/${installationId}`, { token });
      expect(response.statusCode).toBe(200);
    });

    it.each(['0x10', '0o10', '0b1', '8e0', '1e1', '+1', '%201', '1%20', '1.0', '16.0', '-1', ''])(
      '/v1/installations/%s is 400',
      async (id) => {
        const response = await t.api('GET', `/v1/installations/${id}`, { token });
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.json()).toMatchObject({
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'installationId', in: 'params' }],
        });
      },
    );

    it('also on nested routes', async () => {
      const response = await t.api('GET', '/v1/installations/0x1/charging-stations', { token });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('NUL characters are refused with 400', () => {
    const installation = (name: string) => ({
      name,
      locationName: 'Paris',
      locationGpsCoordinates: { latitude: 48.85, longitude: 2.35 },
    });

    it('in a created installation name', async () => {
      const response = await t.api('POST', '/v1/installations', {
        token,
        body: installation('Maison\u0000'),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'name', in: 'body' }],
      });
    });

    it('in an updated installation name', async () => {
      const response = await t.api('PUT', `/v1/installations/${installationId}`, {
        token,
        body: installation('A\u0000B'),
      });
      expect(response.statusCode).toBe(400);
    });

    it('in the uid of an association', async () => {
      const response = await t.api(
        'POST',
        `/v1/installations/${installationId}/charging-stations`,
        {
          token,
          body: { uid: 'AB\u0000CD', timezone: 'Romance Standard Time', country: 'fr-fr' },
        },
      );
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('in a path parameter', async () => {
      const response = await t.api(
        'GET',
        `/v1/installations/${installationId}/charging-stations/AB%00CD`,
        { token },
      );
      expect(response.statusCode).toBe(400);
    });

    it('in the station identity of an OCPP handshake (refused, not a server error)', async () => {
      const { password } = await t.app.platform.devices.provision({ serialNumber: 'SN-NUL-1' });
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${t.wsUrl}/ocpp/AB%00CD`, ['ocpp1.6'], {
          headers: { authorization: `Basic ${Buffer.from(`AB:${password}`).toString('base64')}` },
        });
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('error', () => resolve(0));
      });
      expect(status).toBe(400);
    });

    it('in a query parameter', async () => {
      const response = await t.api('GET', `/v1/installations?x=a%00b`, { token });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });
});
