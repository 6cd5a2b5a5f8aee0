import { Type, type Static } from 'typebox';
import { Enum, Nullable } from '../http/schemas.js';
import { TARIFF_IDS } from '../domain/tariffs.js';

export const GridMeterSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    installationParentId: Type.Integer(),
    type: Type.Literal('gridMeter'),
    properties: Type.Object({
      generalConsumption: Nullable(
        Type.Object({
          consumptionTotalIndex: Type.Number({ description: 'Sum of the indexes, Wh' }),
          consumptions: Type.Array(
            Type.Object({ name: Type.String(), value: Type.Number({ description: 'Wh' }) }),
          ),
        }),
        'null until TIC data is received, and for installers',
      ),
      ticType: Nullable(
        Type.Integer({ minimum: 0, maximum: 6 }),
        'Error 0, Idle 1, GreenCharging 2, StandardMono 3, StandardTri 4, HistoricMono 5, HistoricTri 6',
      ),
      intensitySubscribed: Nullable(Type.Number({ description: 'A' })),
      currentTariff: Nullable(Type.String({ description: 'e.g. HC, HPJB, TARIFF3' })),
      gridSubscription: Nullable(Enum(['BASE', 'HCHP', 'EJP', 'TEMPO', 'STANDARD'] as const)),
    }),
  },
  {
    $id: 'GridMeter',
    examples: [
      {
        id: 'a6536308-fc1d-4930-ae1a-19a526958c75',
        installationParentId: 42,
        type: 'gridMeter',
        properties: {
          generalConsumption: {
            consumptionTotalIndex: 652,
            consumptions: [
              { name: 'HC', value: 304 },
              { name: 'HP', value: 348 },
            ],
          },
          ticType: 5,
          intensitySubscribed: 60,
          currentTariff: 'HC',
          gridSubscription: 'HCHP',
        },
      },
    ],
  },
);
export type GridMeter = Static<typeof GridMeterSchema>;

export const AuthorizeTicRequestSchema = Type.Object(
  {
    authorizeTIC: Type.Boolean({
      description: 'true: TIC data may be sent to and kept by the platform',
    }),
  },
  { additionalProperties: false, examples: [{ authorizeTIC: true }] },
);

export const GridMeterParamsSchema = Type.Object({
  installationId: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  gridMeterId: Type.String({ format: 'uuid' }),
});

export const TariffParamsSchema = Type.Object({
  installationId: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  gridMeterId: Type.String({ format: 'uuid' }),
  tariffId: Type.String({ maxLength: 10 }),
});

export const TariffSchema = Type.Object(
  {
    id: Enum(TARIFF_IDS),
    installationParentId: Type.Integer(),
    friendlyName: Nullable(Type.String()),
    currency: Enum(['eur', 'gbp'] as const),
    isDefault: Type.Boolean({
      description: 'true while the owner has set no price: the default price applies',
    }),
    values: Type.Array(
      Type.Object({
        beginDate: Type.String({
          format: 'date-time',
          description: 'From when the price applies (UTC)',
        }),
        value: Type.Number({ description: 'Price of one kWh in the currency' }),
      }),
      { description: 'Price history, newest first' },
    ),
  },
  {
    $id: 'Tariff',
    examples: [
      {
        id: 'th',
        installationParentId: 0,
        friendlyName: 'my base tariff',
        currency: 'eur',
        isDefault: true,
        values: [{ beginDate: '2020-07-03T08:27:12.688Z', value: 0.25 }],
      },
    ],
  },
);
export type Tariff = Static<typeof TariffSchema>;

export const SetTariffsRequestSchema = Type.Array(
  Type.Object(
    {
      id: Enum(TARIFF_IDS),
      friendlyName: Type.Optional(Type.String({ maxLength: 100 })),
      currency: Enum(['eur', 'gbp'] as const),
      beginDate: Type.String({ format: 'date-time' }),
      value: Type.Number({ minimum: 0, maximum: 100, description: 'Price of one kWh' }),
    },
    { additionalProperties: false },
  ),
  {
    minItems: 1,
    maxItems: 10,
    description: 'A price for every tariff of the detected subscription (all ten for STANDARD)',
    examples: [[{ id: 'th', currency: 'eur', beginDate: '2020-07-03T13:25:37.120Z', value: 0.33 }]],
  },
);
export type SetTariffsRequest = Static<typeof SetTariffsRequestSchema>;
