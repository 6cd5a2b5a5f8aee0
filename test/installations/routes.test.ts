import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  describeEachDialect,
  guideExample,
  type TestApp,
} from '../helpers/test-app.js';

const createRequest = guideExample<Record<string, unknown>>('02-installation-create-request.json');
const guideInstallation = guideExample<Record<string, unknown>>('01-installation.json');

describeEachDialect('installations', (dialect) => {
  let t: TestApp;
  let alice: { token: string; account: { accountId: string } };
  let bob: { token: string };

  beforeAll(async () => {
    t = await createTestApp(dialect);
    alice = await t.user('owner');
    bob = await t.user('owner');
  });
  afterAll(() => t.close());

  describe('GET /v1/installations', () => {
    it('answers [] for a user without installations', async () => {
      const response = await t.api('GET', '/v1/installations', { token: bob.token });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual([]);
    });
  });

  describe('POST /v1/installations', () => {
    it("creates the guide's example installation (201, full model)", async () => {
      const response = await t.api('POST', '/v1/installations', {
        token: alice.token,
        body: createRequest,
      });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(Object.keys(body).sort()).toEqual(Object.keys(guideInstallation).sort());
      expect(body).toEqual({
        ...createRequest,
        installationId: expect.any(Number),
        externalId: null,
        applicationCode: 'flowEvcs',
      });
      expect(response.headers.location).toBe(`/v1/installations/${body.installationId}`);

      const list = await t.api('GET', '/v1/installations', { token: alice.token });
      expect(list.json()).toEqual([body]);
    });

    it.each([
      ['missing name', { ...createRequest, name: undefined }, 'name', 'is required'],
      [
        'empty name',
        { ...createRequest, name: '' },
        'name',
        'must NOT have fewer than 1 characters',
      ],
      ['blank name', { ...createRequest, name: '   ' }, 'name', 'must match pattern "\\S"'],
      [
        'missing locationName',
        { ...createRequest, locationName: undefined },
        'locationName',
        'is required',
      ],
      [
        'missing coordinates',
        { ...createRequest, locationGpsCoordinates: undefined },
        'locationGpsCoordinates',
        'is required',
      ],
      [
        'latitude out of range',
        { ...createRequest, locationGpsCoordinates: { latitude: 91, longitude: 0 } },
        'locationGpsCoordinates.latitude',
        'must be <= 90',
      ],
      [
        'longitude out of range',
        { ...createRequest, locationGpsCoordinates: { latitude: 0, longitude: -180.5 } },
        'locationGpsCoordinates.longitude',
        'must be >= -180',
      ],
      [
        'latitude as text',
        { ...createRequest, locationGpsCoordinates: { latitude: 'north', longitude: 0 } },
        'locationGpsCoordinates.latitude',
        'must be number',
      ],
      [
        'extra property',
        { ...createRequest, color: 'blue' },
        'color',
        'is not an accepted property',
      ],
      [
        'extra coordinate',
        { ...createRequest, locationGpsCoordinates: { latitude: 1, longitude: 1, altitude: 3 } },
        'locationGpsCoordinates.altitude',
        'is not an accepted property',
      ],
      ['name not a string', { ...createRequest, name: 42 }, 'name', 'must be string'],
    ])('400 on %s, naming the field', async (_case, body, field, message) => {
      const response = await t.api('POST', '/v1/installations', { token: alice.token, body });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      const problem = response.json();
      expect(problem).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        title: expect.any(String),
      });
      expect(problem.errors).toContainEqual({ field, in: 'body', message });
    });

    it('lists every invalid field at once', async () => {
      const response = await t.api('POST', '/v1/installations', {
        token: alice.token,
        body: {
          locationName: 'x',
          locationGpsCoordinates: { latitude: 100, longitude: 0 },
          extra: 1,
        },
      });
      expect(response.statusCode).toBe(400);
      expect(
        response
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['extra', 'locationGpsCoordinates.latitude', 'name']);
    });

    it('400 on a body that is not JSON, and nothing is stored', async () => {
      const before = (await t.api('GET', '/v1/installations', { token: alice.token })).json();
      const response = await t.api('POST', '/v1/installations', {
        token: alice.token,
        body: '{"name": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toMatch(/MALFORMED_REQUEST|VALIDATION_FAILED/);
      expect((await t.api('GET', '/v1/installations', { token: alice.token })).json()).toEqual(
        before,
      );
    });

    it('415 on a body that is not JSON by content type', async () => {
      const response = await t.api('POST', '/v1/installations', {
        token: alice.token,
        body: 'name=x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.statusCode).toBe(415);
      expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('403 ROLE_NOT_ALLOWED for an installer account', async () => {
      const installer = await t.user('installer');
      const response = await t.api('POST', '/v1/installations', {
        token: installer.token,
        body: createRequest,
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('ROLE_NOT_ALLOWED');
    });
  });

  describe('one installation', () => {
    let installationId: number;
    beforeAll(async () => {
      const created = await t.api('POST', '/v1/installations', {
        token: alice.token,
        body: { ...createRequest, name: 'Maison' },
      });
      installationId = created.json().installationId;
    });

    it('GET answers the installation to its owner', async () => {
      const response = await t.api('GET', `/v1/installations/${installationId}`, {
        token: alice.token,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ installationId, name: 'Maison', externalId: null });
    });

    it.each([
      ['GET', undefined],
      ['PUT', createRequest],
      ['DELETE', undefined],
    ] as const)("%s of another user's installation is 404, never 403", async (method, body) => {
      const response = await t.api(method, `/v1/installations/${installationId}`, {
        token: bob.token,
        body,
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('INSTALLATION_NOT_FOUND');
    });

    it("another user's list does not show it", async () => {
      const response = await t.api('GET', '/v1/installations', { token: bob.token });
      expect(response.json()).toEqual([]);
    });

    it('404 for an installation that does not exist, same body as for another user’s', async () => {
      const missing = await t.api('GET', '/v1/installations/999999', { token: alice.token });
      const foreign = await t.api('GET', `/v1/installations/${installationId}`, {
        token: bob.token,
      });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe(foreign.json().code);
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999'])('400 for installationId %s', async (id) => {
      const response = await t.api('GET', `/v1/installations/${id}`, { token: alice.token });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0]).toMatchObject({ field: 'installationId', in: 'params' });
    });

    it('PUT replaces name and location', async () => {
      const body = {
        name: 'Chalet',
        locationName: 'Annecy',
        locationGpsCoordinates: { latitude: 45.9, longitude: 6.13 },
      };
      const response = await t.api('PUT', `/v1/installations/${installationId}`, {
        token: alice.token,
        body,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        ...body,
        installationId,
        externalId: null,
        applicationCode: 'flowEvcs',
      });
      const read = await t.api('GET', `/v1/installations/${installationId}`, {
        token: alice.token,
      });
      expect(read.json()).toEqual(response.json());
    });

    it('PUT with an invalid body is 400 and changes nothing', async () => {
      const before = (
        await t.api('GET', `/v1/installations/${installationId}`, { token: alice.token })
      ).json();
      const response = await t.api('PUT', `/v1/installations/${installationId}`, {
        token: alice.token,
        body: { name: 'x' },
      });
      expect(response.statusCode).toBe(400);
      const after = (
        await t.api('GET', `/v1/installations/${installationId}`, { token: alice.token })
      ).json();
      expect(after).toEqual(before);
    });

    it('DELETE answers 204, then the installation is gone', async () => {
      const created = await t.api('POST', '/v1/installations', {
        token: alice.token,
        body: createRequest,
      });
      const id = created.json().installationId;
      const response = await t.api('DELETE', `/v1/installations/${id}`, { token: alice.token });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      expect(
        (await t.api('GET', `/v1/installations/${id}`, { token: alice.token })).statusCode,
      ).toBe(404);
      expect(
        (await t.api('DELETE', `/v1/installations/${id}`, { token: alice.token })).statusCode,
      ).toBe(404);
    });
  });
});
