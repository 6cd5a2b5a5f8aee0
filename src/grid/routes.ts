import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { described, problemResponses, refTo } from '../http/schemas.js';
import { callerOf } from '../identity/index.js';
import { InstallationParamsSchema } from '../installations/index.js';
import { telemetryRoutes, type TelemetryService } from '../telemetry/index.js';
import {
  AuthorizeTicRequestSchema,
  CalendarDaysSchema,
  CalendarParamsSchema,
  CalendarQuerySchema,
  DeclareSubscriptionRequestSchema,
  GridMeterParamsSchema,
  GridSubscriptionSchema,
  SetTariffsRequestSchema,
  TariffParamsSchema,
  type GridMeter,
  type Tariff,
} from './schemas.js';
import type { GridService } from './service.js';

const GridMeterRef = refTo<GridMeter>('GridMeter');
const TariffRef = refTo<Tariff>('Tariff');

/** The guide's grid-meter routes: consent, the meter, its measures and logs, tariffs and prices. */
export const gridRoutes: FastifyPluginAsyncTypebox<{
  grid: GridService;
  telemetry: TelemetryService;
}> = async (app, { grid, telemetry }) => {
  const tags = ['Grid meter'];
  const base = '/installations/:installationId/grid-meters';
  const meter = `${base}/:gridMeterId`;

  app.get(
    base,
    {
      schema: {
        tags,
        operationId: 'getGridMeters',
        summary: 'Get the grid meters of an installation',
        description: 'TIC properties are null until the owner consents and TIC data arrives.',
        params: InstallationParamsSchema,
        response: {
          200: Type.Array(GridMeterRef, { description: 'The grid meters (one per station)' }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => grid.list(callerOf(request), request.params.installationId),
  );

  app.get(
    meter,
    {
      schema: {
        tags,
        operationId: 'getGridMeter',
        summary: 'Get a grid meter',
        description:
          'Needs the owner’s TIC consent (403 TIC_CONSENT_REQUIRED otherwise), unless a subscription is declared: gridSubscription and currentTariff are then the declared ones, the TIC properties null.',
        params: GridMeterParamsSchema,
        response: {
          200: described(GridMeterRef, 'The grid meter'),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) =>
      grid.get(callerOf(request), request.params.installationId, request.params.gridMeterId),
  );

  app.post(
    `${meter}/operators/authorize-tic`,
    {
      schema: {
        tags,
        operationId: 'authorizeTic',
        summary: 'Give or withdraw the TIC consent',
        description:
          'Applies at once on the platform (TIC data is kept and served only with consent) and is passed to the station, now if connected and at its next boot otherwise.',
        params: GridMeterParamsSchema,
        body: AuthorizeTicRequestSchema,
        response: {
          200: Type.Object(
            { authorizeTIC: Type.Boolean() },
            { description: 'The consent now in force' },
          ),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) =>
      grid.authorizeTic(
        callerOf(request),
        request.params.installationId,
        request.params.gridMeterId,
        request.body.authorizeTIC,
      ),
  );

  await app.register(telemetryRoutes, {
    kind: 'gridMeter',
    path: meter,
    params: GridMeterParamsSchema,
    tag: 'Grid meter',
    telemetry,
    resolve: (caller, params) =>
      grid.telemetryTarget(caller, Number(params.installationId), String(params.gridMeterId)),
  });

  app.get(
    `${meter}/tariffs`,
    {
      schema: {
        tags,
        operationId: 'getTariffs',
        summary: 'Get the tariffs of the subscription with their price history',
        description:
          'The subscription detected from TIC data (with consent), else the declared one; 409 SUBSCRIPTION_NOT_DETECTED when there is neither.',
        params: GridMeterParamsSchema,
        response: {
          200: Type.Array(TariffRef, { description: 'One entry per tariff of the subscription' }),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request) =>
      grid.tariffs(callerOf(request), request.params.installationId, request.params.gridMeterId),
  );

  app.get(
    `${meter}/tariffs/:tariffId`,
    {
      schema: {
        tags,
        operationId: 'getTariff',
        summary: 'Get a tariff with its price history',
        params: TariffParamsSchema,
        response: {
          200: described(TariffRef, 'The tariff'),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request) =>
      grid.tariff(
        callerOf(request),
        request.params.installationId,
        request.params.gridMeterId,
        request.params.tariffId,
      ),
  );

  app.post(
    `${meter}/tariffs`,
    {
      schema: {
        tags,
        operationId: 'setTariffs',
        summary: 'Set the prices of the subscription’s tariffs from a date',
        description:
          'Give one price for each tariff of the subscription in force, detected or declared (all ten for STANDARD). Costs from the earliest beginDate on are priced again.',
        params: GridMeterParamsSchema,
        body: SetTariffsRequestSchema,
        response: {
          201: Type.Array(TariffRef, {
            description: 'The full price history of the subscription’s tariffs',
          }),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const tariffs = await grid.setTariffs(
        callerOf(request),
        request.params.installationId,
        request.params.gridMeterId,
        request.body,
      );
      return reply.status(201).send(tariffs);
    },
  );
  app.get(
    `${meter}/subscription`,
    {
      schema: {
        tags,
        operationId: 'getGridSubscription',
        summary: 'Get the grid subscription in force and the declared one',
        description:
          'The TIC’s subscription while the owner consents and the meter has told it, else the one the owner declared; 409 SUBSCRIPTION_NOT_DETECTED when there is neither. A platform extension.',
        params: GridMeterParamsSchema,
        response: {
          200: described(GridSubscriptionSchema, 'The subscription in force'),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request) =>
      grid.gridSubscription(
        callerOf(request),
        request.params.installationId,
        request.params.gridMeterId,
      ),
  );

  app.put(
    `${meter}/subscription`,
    {
      schema: {
        tags,
        operationId: 'declareGridSubscription',
        summary: 'Declare the grid subscription of an installation without TIC data',
        description:
          'For a meter whose station sends no TIC (a generic charger): consumption is then counted in the declared tariffs, by the off-peak hours and the Tempo or EJP day calendar, and their prices can be set. TIC data wins once it arrives with the owner’s consent. A platform extension.',
        params: GridMeterParamsSchema,
        body: DeclareSubscriptionRequestSchema,
        response: {
          200: described(GridSubscriptionSchema, 'The subscription in force'),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) =>
      grid.declareSubscription(
        callerOf(request),
        request.params.installationId,
        request.params.gridMeterId,
        request.body,
      ),
  );

  app.delete(
    `${meter}/subscription`,
    {
      schema: {
        tags,
        operationId: 'removeGridSubscription',
        summary: 'Remove the declared grid subscription',
        description: 'Consumption then counts in Base until TIC data tells the subscription.',
        params: GridMeterParamsSchema,
        response: {
          204: Type.Null({ description: 'Removed (or nothing was declared)' }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      await grid.removeDeclaration(
        callerOf(request),
        request.params.installationId,
        request.params.gridMeterId,
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/tariff-calendars/:calendar',
    {
      schema: {
        tags,
        operationId: 'getTariffCalendar',
        summary: 'Get the days of the Tempo or EJP calendar',
        description:
          'The national calendar, as the operator imported it (`witty tariff-calendar import`): Tempo colours, EJP peak days. At most 366 days per call. A platform extension.',
        params: CalendarParamsSchema,
        querystring: CalendarQuerySchema,
        response: {
          200: CalendarDaysSchema,
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request) =>
      grid.calendarDays(request.params.calendar, request.query.startDate, request.query.endDate),
  );
};
