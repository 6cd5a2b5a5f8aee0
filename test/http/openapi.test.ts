import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstallationInputSchema, InstallationSchema } from '../../src/installations/schemas.js';
import { generateOpenApiDocument } from '../../src/cli/openapi.js';
import { createTestApp, guideExample, type TestApp } from '../helpers/test-app.js';

describe("the guide's examples against the schemas", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);

  it.each([
    ['01-installation.json', InstallationSchema],
    ['02-installation-create-request.json', InstallationInputSchema],
  ])('%s is valid', (file, schema) => {
    const validate = ajv.compile(schema);
    expect(validate(guideExample(file)), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('is served at /v1/openapi.json without credentials, OpenAPI 3.1', async () => {
    const response = await t.app.inject('/v1/openapi.json');
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    // Every route of the guide built so far, method and path.
    const operations = Object.entries(
      document.paths as Record<string, Record<string, unknown>>,
    ).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const station = '/installations/{installationId}/charging-stations/{chargingStationId}';
    const meter = '/installations/{installationId}/grid-meters/{gridMeterId}';
    const telemetry = (device: string) => [
      `GET ${device}/measures`,
      `GET ${device}/measures/{measureId}`,
      ...['sum', 'count', 'average', 'min-max'].map(
        (op) => `POST ${device}/measures/{measureId}/operators/${op}`,
      ),
      `GET ${device}/logs`,
      `GET ${device}/logs/{logId}`,
      `POST ${device}/logs/{logId}/operators/count`,
      `POST ${device}/logs/{logId}/operators/list`,
      `POST ${device}/logs/operators/list`,
    ];
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /installations',
        'POST /installations',
        'GET /installations/{installationId}/charging-stations',
        'POST /installations/{installationId}/charging-stations',
        `GET ${station}`,
        `PUT ${station}`,
        `DELETE ${station}`,
        `POST ${station}/operators/set-charge-mode`,
        `POST ${station}/operators/start`,
        `POST ${station}/operators/stop`,
        ...telemetry(station),
        'GET /installations/{installationId}/grid-meters',
        `GET ${meter}`,
        `POST ${meter}/operators/authorize-tic`,
        ...telemetry(meter),
        `GET ${meter}/tariffs`,
        `GET ${meter}/tariffs/{tariffId}`,
        `POST ${meter}/tariffs`,
        'GET /installations/{installationId}/invitations',
        'POST /installations/{installationId}/invitations',
        'DELETE /installations/{installationId}/invitations/{email}',
        'POST /invitations/operators/accept/{activationCode}',
        'GET /installations/{installationId}/users',
        'POST /installations/{installationId}/users/{accountId}/operators/disable',
        'POST /installations/{installationId}/users/{accountId}/operators/enable',
        'DELETE /installations/{installationId}/users/{accountId}',
      ]),
    );
    expect(document.servers).toEqual([{ url: `${t.config.publicUrl}/v1` }]);
    expect(document.components.securitySchemes.subscriptionKey).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'Ocp-Apim-Subscription-Key',
    });
  });

  it('documents the routes with operation ids, guide examples and problem responses', async () => {
    const document = (await t.app.inject('/v1/openapi.json')).json();
    const post = document.paths['/installations'].post;
    expect(post.operationId).toBe('createInstallation');
    expect(post.requestBody.content['application/json'].example).toEqual(
      guideExample('02-installation-create-request.json'),
    );
    expect(post.responses['400'].content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
    expect(document.components.schemas.Installation.examples).toEqual([
      guideExample('01-installation.json'),
    ]);
  });

  it('the association body needs uid or qrCode (anyOf), in the served and the committed document', async () => {
    const served = (await t.app.inject('/v1/openapi.json')).json();
    const committed = JSON.parse(
      fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/openapi.json'), 'utf8'),
    );
    for (const document of [served, committed]) {
      const body =
        document.paths['/installations/{installationId}/charging-stations'].post.requestBody;
      expect(body.required).toBe(true);
      expect(body.content['application/json'].schema.anyOf).toEqual([
        { required: ['uid'] },
        { required: ['qrCode'] },
      ]);
    }
  });

  it('the charging station lists the guide’s enums: ticConnected, connectivityType, error.code', async () => {
    const document = (await t.app.inject('/v1/openapi.json')).json();
    const properties = document.components.schemas.ChargingStation.properties.properties.properties;
    const enumOf = (schema: { enum?: unknown[]; anyOf?: { enum?: unknown[] }[] }) =>
      schema.enum ?? schema.anyOf?.find((branch) => branch.enum)?.enum;
    // Both may be null: `type: ['string', 'null']`, null among the values.
    expect(properties.ticConnected.type).toEqual(['string', 'null']);
    expect(enumOf(properties.ticConnected)).toEqual(['error', 'connected', 'notConnected', null]);
    expect(enumOf(properties.connectivityType)).toEqual(['wifi', 'ethernet', null]);
    expect(properties.error.properties.code).toMatchObject({
      type: 'integer',
      enum: [0, 1, 2, 3, 4, 5, 6, 9, 130, 133, 400],
    });
  });

  it('PUT of a charging station: ledPower a whole percentage 30–100, a body with something to update', async () => {
    const document = (await t.app.inject('/v1/openapi.json')).json();
    const body =
      document.paths['/installations/{installationId}/charging-stations/{chargingStationId}'].put
        .requestBody.content['application/json'].schema;
    expect(body.minProperties).toBe(1);
    expect(body.description).toMatch(/at least one/);
    expect(body.properties.ledPower).toMatchObject({
      type: 'integer',
      minimum: 30,
      maximum: 100,
      description: expect.stringMatching(/whole percentage/),
    });
  });

  it('docs/openapi.json is the generated document (npm run openapi)', async () => {
    const committed = fs.readFileSync(
      path.resolve(import.meta.dirname, '../../docs/openapi.json'),
      'utf8',
    );
    expect(committed).toBe(await generateOpenApiDocument());
  });
});
