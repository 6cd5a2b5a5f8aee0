import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type, type TObject } from 'typebox';
import { OPERATORS } from '../domain/aggregation.js';
import type { StandardTariffClasses } from '../domain/tariffs.js';
import { checkRange } from '../domain/time-buckets.js';
import { ApiError } from '../errors.js';
import { described, problemResponses, refTo } from '../http/schemas.js';
import { callerOf, type Caller } from '../identity/index.js';
import {
  LOGS,
  MEASURES,
  PRIVATE_LOGS,
  PRIVATE_MEASURES,
  type DeviceKind,
  type LogDefinition,
  type MeasureDefinition,
} from './catalog.js';
import { AggregationRequestSchema, listRequestSchema, type LogOrder } from './schemas.js';
import type { LogEntry, TelemetryService } from './service.js';

/** The device whose measures and logs a request asks for, as the caller may see it. */
export interface TelemetryTarget {
  deviceId: string;
  zone: string;
  classes: StandardTariffClasses;
  role: 'owner' | 'installer';
  /** Currency of the installation's prices, the unit of cost measures (eur when absent). */
  currency?: 'eur' | 'gbp';
}

export interface TelemetryRoutesOptions {
  kind: DeviceKind;
  /** Path of the device, e.g. /installations/:installationId/grid-meters/:gridMeterId */
  path: string;
  params: TObject;
  tag: string;
  telemetry: TelemetryService;
  resolve: (caller: Caller, params: Record<string, unknown>) => Promise<TelemetryTarget>;
}

/** Longest period a list request may cover: logs can be many (the guide asks to narrow it). */
const LIST_SPAN_DAYS = 366;

function rangeOf(body: { startDate: string; endDate: string; step?: string }) {
  const start = new Date(body.startDate);
  const end = new Date(body.endDate);
  const invalid = Number.isNaN(start.getTime())
    ? { field: 'startDate' as const, message: 'startDate is not a valid date' }
    : Number.isNaN(end.getTime())
      ? { field: 'endDate' as const, message: 'endDate is not a valid date' }
      : undefined;
  const problem =
    invalid ??
    (body.step
      ? checkRange(start, end, body.step as Parameters<typeof checkRange>[2])
      : end <= start
        ? { field: 'endDate' as const, message: 'endDate must be after startDate' }
        : end.getTime() - start.getTime() > LIST_SPAN_DAYS * 86_400_000
          ? {
              field: 'endDate' as const,
              message: `a list covers at most ${LIST_SPAN_DAYS} days; narrow the period`,
            }
          : undefined);
  if (problem) {
    throw new ApiError('VALIDATION_FAILED', problem.message, {
      errors: [{ field: problem.field, in: 'body', message: problem.message }],
    });
  }
  return { start, end };
}

/** Measures and logs of one kind of device: catalogs, aggregation operators, log count and list. */
export const telemetryRoutes: FastifyPluginAsyncTypebox<TelemetryRoutesOptions> = async (
  app,
  options,
) => {
  const { kind, path, tag, telemetry, resolve } = options;
  const tags = [tag];
  const noun = kind === 'chargingStation' ? 'charging station' : 'grid meter';
  const opPrefix = kind === 'chargingStation' ? 'ChargingStation' : 'GridMeter';
  const MeasureParams = Type.Object({
    ...options.params.properties,
    measureId: Type.String({ maxLength: 10 }),
  });
  const LogParams = Type.Object({
    ...options.params.properties,
    logId: Type.String({ maxLength: 10 }),
  });
  const errors = problemResponses(400, 401, 403, 404, 429);
  // The guide's examples list a station's logs oldest first and a grid meter's newest first.
  const defaultOrder: LogOrder = kind === 'gridMeter' ? 'desc' : 'asc';
  const ListRequestSchema = listRequestSchema(defaultOrder);
  const orderDescription = defaultOrder === 'desc' ? 'newest first' : 'oldest first';

  const target = (request: FastifyRequest) =>
    resolve(callerOf(request), request.params as Record<string, unknown>);
  /** The measures the caller may see, costs in the installation's currency. */
  const visibleMeasures = (device: TelemetryTarget): MeasureDefinition[] =>
    MEASURES[kind]
      .filter((m) => device.role === 'owner' || !PRIVATE_MEASURES[kind].has(m.name))
      .map((m) => (m.type === 'Cost' && device.currency ? { ...m, unit: device.currency } : m));
  const visibleLogs = (role: TelemetryTarget['role']) =>
    LOGS[kind].filter((l) => role === 'owner' || !PRIVATE_LOGS.has(l.name));

  const measureOf = (device: TelemetryTarget, measureId: string): MeasureDefinition => {
    const known = MEASURES[kind].find((m) => m.measureId === measureId);
    if (!known) throw new ApiError('MEASURE_NOT_FOUND', `The ${noun} has no measure ${measureId}.`);
    const measure = visibleMeasures(device).find((m) => m.measureId === measureId);
    if (!measure) {
      throw new ApiError(
        'INSTALLATION_ACCESS_DENIED',
        `Installers do not see ${known.name} (consumption and costs are the owner's).`,
      );
    }
    return measure;
  };
  const logOf = (device: TelemetryTarget, logId: string): LogDefinition => {
    const log = LOGS[kind].find((l) => l.logId === logId);
    if (!log) throw new ApiError('LOG_NOT_FOUND', `The ${noun} has no log ${logId}.`);
    if (!visibleLogs(device.role).includes(log)) {
      throw new ApiError(
        'INSTALLATION_ACCESS_DENIED',
        `Installers do not see ${log.name} (consumption and costs are the owner's).`,
      );
    }
    return log;
  };

  app.get(
    `${path}/measures`,
    {
      schema: {
        tags,
        operationId: `get${opPrefix}Measures`,
        summary: `Get the measures of a ${noun}`,
        params: options.params,
        response: {
          200: Type.Array(refTo('Measure'), { description: 'Measure metadata' }),
          ...errors,
        },
      },
    },
    async (request) => visibleMeasures(await target(request)),
  );

  app.get(
    `${path}/measures/:measureId`,
    {
      schema: {
        tags,
        operationId: `get${opPrefix}Measure`,
        summary: `Get a measure of a ${noun}`,
        params: MeasureParams,
        response: { 200: described(refTo('Measure'), 'Measure metadata'), ...errors },
      },
    },
    async (request) => measureOf(await target(request), request.params.measureId),
  );

  for (const operator of OPERATORS) {
    app.post(
      `${path}/measures/:measureId/operators/${operator}`,
      {
        schema: {
          tags,
          operationId: `${operator === 'min-max' ? 'minMax' : operator}${opPrefix}Measure`,
          summary: `${operator} of a ${noun} measure by step, grouped by tariff type`,
          params: MeasureParams,
          body: AggregationRequestSchema,
          response: {
            200: Type.Array(refTo('AggregationRow'), {
              description: 'One row per bucket and tariff type with data',
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const device = await target(request);
        const measure = measureOf(device, request.params.measureId);
        const { start, end } = rangeOf(request.body);
        return telemetry.aggregate(
          device.deviceId,
          measure.name,
          operator,
          { start, end, step: request.body.step },
          device.zone,
          device.classes,
        );
      },
    );
  }

  app.get(
    `${path}/logs`,
    {
      schema: {
        tags,
        operationId: `get${opPrefix}Logs`,
        summary: `Get the logs of a ${noun}`,
        params: options.params,
        response: { 200: Type.Array(refTo('Log'), { description: 'Log metadata' }), ...errors },
      },
    },
    async (request) => visibleLogs((await target(request)).role),
  );

  app.get(
    `${path}/logs/:logId`,
    {
      schema: {
        tags,
        operationId: `get${opPrefix}Log`,
        summary: `Get a log of a ${noun}`,
        params: LogParams,
        response: { 200: described(refTo('Log'), 'Log metadata'), ...errors },
      },
    },
    async (request) => logOf(await target(request), request.params.logId),
  );

  app.post(
    `${path}/logs/:logId/operators/count`,
    {
      schema: {
        tags,
        operationId: `count${opPrefix}Log`,
        summary: `Count the records of a ${noun} log by step`,
        params: LogParams,
        body: AggregationRequestSchema,
        response: {
          200: Type.Array(refTo('LogCount'), {
            description: 'Counts of the buckets that have records',
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const device = await target(request);
      const log = logOf(device, request.params.logId);
      const { start, end } = rangeOf(request.body);
      return telemetry.countLogs(
        device.deviceId,
        log.name,
        { start, end, step: request.body.step },
        device.zone,
      );
    },
  );

  app.post(
    `${path}/logs/:logId/operators/list`,
    {
      schema: {
        tags,
        operationId: `list${opPrefix}Log`,
        summary: `List the records of a ${noun} log`,
        params: LogParams,
        body: ListRequestSchema,
        response: {
          200: Type.Array(refTo('LogEntry'), {
            description: `Records, ${orderDescription} unless \`order\` says otherwise`,
          }),
          ...errors,
        },
      },
    },
    async (request): Promise<LogEntry[]> => {
      const device = await target(request);
      const log = logOf(device, request.params.logId);
      const { start, end } = rangeOf(request.body);
      return telemetry.logs(
        device.deviceId,
        start,
        end,
        [log.name],
        request.body.order ?? defaultOrder,
      );
    },
  );

  app.post(
    `${path}/logs/operators/list`,
    {
      schema: {
        tags,
        operationId: `listAll${opPrefix}Logs`,
        summary: `List the records of every log of a ${noun}`,
        params: options.params,
        body: ListRequestSchema,
        response: {
          200: Type.Array(refTo('LogEntry'), {
            description: `Records of every log, ${orderDescription} unless \`order\` says otherwise`,
          }),
          ...errors,
        },
      },
    },
    async (request): Promise<LogEntry[]> => {
      const device = await target(request);
      const { start, end } = rangeOf(request.body);
      return telemetry.logs(
        device.deviceId,
        start,
        end,
        visibleLogs(device.role).map((l) => l.name),
        request.body.order ?? defaultOrder,
      );
    },
  );
};
