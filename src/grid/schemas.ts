import { Type, type Static } from 'typebox';
import { described, Enum, Nullable } from '../http/schemas.js';
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

const DECLARABLE = ['BASE', 'HCHP', 'TEMPO', 'EJP'] as const;
const OffPeakHoursSchema = Type.Array(
  Type.String({ maxLength: 11, description: 'HH:MM-HH:MM, local time of the installation' }),
  { maxItems: 12 },
);

export const DeclareSubscriptionRequestSchema = Type.Object(
  {
    gridSubscription: Enum(
      DECLARABLE,
      'The contract: STANDARD cannot be declared, it is read from the TIC',
    ),
    offPeakHours: Type.Optional(
      described(
        OffPeakHoursSchema,
        'Off-peak windows, not overlapping: required for HCHP, none for BASE and EJP; 22:00-06:00 for TEMPO when not given. A window may run past midnight.',
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ gridSubscription: 'HCHP', offPeakHours: ['01:30-07:30', '12:30-14:30'] }],
  },
);
export type DeclareSubscriptionRequest = Static<typeof DeclareSubscriptionRequestSchema>;

export const GridSubscriptionSchema = Type.Object(
  {
    gridSubscription: Enum(['BASE', 'HCHP', 'EJP', 'TEMPO', 'STANDARD'] as const),
    offPeakHours: Nullable(
      OffPeakHoursSchema,
      'The off-peak windows in force; null under the TIC, which switches tariffs itself',
    ),
    source: Enum(
      ['tic', 'declared'] as const,
      'tic: detected from TIC data (with the owner’s consent), which wins over a declaration',
    ),
    declaredSubscription: Nullable(
      Type.Object({
        gridSubscription: Enum(DECLARABLE),
        offPeakHours: OffPeakHoursSchema,
        declaredDate: Type.String({ format: 'date-time' }),
      }),
      'What the owner declared, in force or not; null when nothing is declared',
    ),
    currentTariff: Nullable(Type.String({ description: 'The tariff now, e.g. HC, HPJR' })),
  },
  {
    examples: [
      {
        gridSubscription: 'HCHP',
        offPeakHours: ['22:00-06:00'],
        source: 'declared',
        declaredSubscription: {
          gridSubscription: 'HCHP',
          offPeakHours: ['22:00-06:00'],
          declaredDate: '2026-04-02T09:12:00.000Z',
        },
        currentTariff: 'HP',
      },
    ],
  },
);
export type GridSubscription = Static<typeof GridSubscriptionSchema>;

export const CalendarParamsSchema = Type.Object({
  calendar: Enum(['TEMPO', 'EJP'] as const),
});

export const CalendarQuerySchema = Type.Object(
  {
    startDate: Type.String({ format: 'date', description: 'First day, YYYY-MM-DD' }),
    endDate: Type.String({ format: 'date', description: 'Last day (included), YYYY-MM-DD' }),
  },
  { additionalProperties: false },
);

export const CalendarDaysSchema = Type.Array(
  Type.Object({
    date: Type.String({ format: 'date' }),
    value: Type.String({
      description: 'TEMPO: BLUE, WHITE or RED; EJP: PEAK (or NORMAL when the day was given)',
    }),
  }),
  {
    description: 'The days known in the range, by date; a day not listed is BLUE or a normal day',
    examples: [
      [
        { date: '2026-01-14', value: 'RED' },
        { date: '2026-01-15', value: 'WHITE' },
      ],
    ],
  },
);
export type CalendarDays = Static<typeof CalendarDaysSchema>;
