import { Type, type Static } from 'typebox';
import { Enum } from '../http/schemas.js';
import { OPERATORS } from '../domain/aggregation.js';
import { STEPS } from '../domain/time-buckets.js';

const UtcDate = (description: string) => Type.String({ format: 'date-time', description });

export const AggregationRequestSchema = Type.Object(
  {
    startDate: UtcDate('Beginning of the period (UTC), included'),
    endDate: UtcDate('End of the period (UTC), excluded'),
    step: Enum(STEPS, 'Aggregation level; buckets follow the installation’s time zone'),
  },
  {
    additionalProperties: false,
    examples: [
      { startDate: '2020-06-02T00:58:24.458Z', endDate: '2020-06-04T12:15:33.458Z', step: 'day' },
    ],
  },
);
export type AggregationRequest = Static<typeof AggregationRequestSchema>;

/** Orders of a log list: oldest first (asc) or newest first (desc). */
export const LOG_ORDERS = ['asc', 'desc'] as const;
export type LogOrder = (typeof LOG_ORDERS)[number];

/**
 * A log list request. `order` is not in the guide, whose examples list a station's records
 * oldest first and a grid meter's newest first: each device kind defaults to its examples' order.
 */
export function listRequestSchema(defaultOrder: LogOrder) {
  return Type.Object(
    {
      startDate: UtcDate('Beginning of the period (UTC), included'),
      endDate: UtcDate('End of the period (UTC), excluded'),
      order: Type.Optional(
        Type.Unsafe<LogOrder>({
          ...Enum(LOG_ORDERS, 'asc: oldest record first; desc: newest first'),
          default: defaultOrder,
        }),
      ),
    },
    {
      additionalProperties: false,
      examples: [{ startDate: '2020-06-02T00:58:24.458Z', endDate: '2020-06-04T12:15:33.458Z' }],
    },
  );
}

/** The list request of a charging station's logs (oldest first unless asked otherwise). */
export const ListRequestSchema = listRequestSchema('asc');
export type ListRequest = Static<typeof ListRequestSchema>;

export const MeasureSchema = Type.Object(
  {
    measureId: Type.String(),
    name: Type.String(),
    type: Type.String(),
    unit: Type.String(),
    periodicity: Type.String(),
  },
  {
    $id: 'Measure',
    examples: [
      {
        measureId: '1',
        name: 'EnergyConsumption',
        type: 'Energy',
        unit: 'kWh',
        periodicity: '10m',
      },
    ],
  },
);

export const LogSchema = Type.Object(
  { logId: Type.String(), name: Type.String(), periodicity: Type.String() },
  { $id: 'Log', examples: [{ logId: '1', name: 'SessionStart', periodicity: 'Immediate' }] },
);

export const AggregationRowSchema = Type.Object(
  {
    date: Type.String({ format: 'date-time', description: 'Start of the bucket, UTC' }),
    tariffType: Enum(['hc', 'hp'] as const, 'hc: low price tariffs; hp: high price tariffs'),
    value: Type.Number({ description: 'sum, count, average or maximum of the group' }),
    valueMin: Type.Optional(Type.Number({ description: 'min-max only' })),
    valueMax: Type.Optional(Type.Number({ description: 'min-max only' })),
  },
  {
    $id: 'AggregationRow',
    additionalProperties: Type.Number({
      description: 'valueXxx: the aggregate of one tariff (valueHc, valueHpjb, valueTariff3…)',
    }),
    examples: [
      {
        date: '2020-06-29T00:00:00.000Z',
        tariffType: 'hp',
        value: 6,
        valueHpjb: 3,
        valueHpjw: 2,
        valueHpjr: 1,
      },
    ],
  },
);

export const LogEntrySchema = Type.Object(
  {
    date: Type.String({ format: 'date-time' }),
    value: Type.Unknown({
      description: 'The log record, e.g. {"evcsSocket": "m3", "evcsCableValue": 32}',
    }),
    logName: Type.String(),
  },
  { $id: 'LogEntry' },
);

export const LogCountSchema = Type.Object(
  {
    date: Type.String({ format: 'date-time', description: 'Start of the bucket, UTC' }),
    value: Type.Number(),
    logName: Type.String(),
  },
  { $id: 'LogCount' },
);

export const OperatorSchema = Enum(OPERATORS);
