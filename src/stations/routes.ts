import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../errors.js';
import type { AttemptLimiter } from '../http/attempt-limiter.js';
import { callerOf } from '../identity/index.js';
import { described, problemResponses, refTo } from '../http/schemas.js';
import { InstallationParamsSchema } from '../installations/index.js';
import {
  AssociateRequestSchema,
  CommandParamsSchema,
  SetChargeModeRequestSchema,
  StationParamsSchema,
  UpdateRequestSchema,
  type ChargingStation,
  type StationCommand,
} from './schemas.js';
import type { StationService } from './service.js';
import { telemetryRoutes, type TelemetryService } from '../telemetry/index.js';

const StationRef = refTo<ChargingStation>('ChargingStation');
const CommandRef = refTo<StationCommand>('StationCommand');
const commandAccepted = described(
  CommandRef,
  'The command was sent to the station; follow it at the Location given (GET …/commands/{commandId})',
);

/** The guide's charging-station routes, and the tracking of their commands. */
export const stationRoutes: FastifyPluginAsyncTypebox<{
  stations: StationService;
  telemetry: TelemetryService;
  /** Currency of an installation's prices (the grid's), the unit of the station's costs. */
  currencyOf: (installationId: number) => Promise<'eur' | 'gbp'>;
  /** Association attempts per account: 404 or 409 must not let anyone walk the device registry. */
  associations: AttemptLimiter;
}> = async (app, { stations, telemetry, currencyOf, associations }) => {
  const tags = ['Charging stations'];
  const base = '/installations/:installationId/charging-stations';
  const location = (installationId: number, command: StationCommand) =>
    `/v1/installations/${installationId}/charging-stations/${command.chargingStationId}/commands/${command.commandId}`;

  app.get(
    base,
    {
      schema: {
        tags,
        operationId: 'getChargingStations',
        summary: 'Get the charging stations of an installation',
        params: InstallationParamsSchema,
        response: {
          200: Type.Array(StationRef, { description: 'The stations (usually one)' }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => stations.list(callerOf(request), request.params.installationId),
  );

  app.post(
    base,
    {
      schema: {
        tags,
        operationId: 'associateChargingStation',
        summary: 'Associate a charging station with the installation',
        description:
          'Give the uid or the QR code URL (at least one). One station per installation.',
        params: InstallationParamsSchema,
        body: AssociateRequestSchema,
        response: {
          201: described(StationRef, 'The associated station'),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      // Only the answers that tell about the registry (no such device, associated elsewhere) count.
      const accountId = callerOf(request).account.accountId;
      const wait = associations.retryAfter(accountId);
      if (wait > 0) {
        throw new ApiError(
          'ASSOCIATION_RATE_LIMITED',
          `Too many failed association attempts for this account; retry in ${wait} s.`,
          { headers: { 'retry-after': String(wait) } },
        );
      }
      const station = await stations
        .associate(callerOf(request), request.params.installationId, request.body)
        .catch((error: unknown) => {
          if (
            error instanceof ApiError &&
            (error.code === 'DEVICE_NOT_FOUND' || error.code === 'DEVICE_ALREADY_ASSOCIATED')
          ) {
            associations.hit(accountId);
          }
          throw error;
        });
      return reply
        .status(201)
        .header(
          'location',
          `/v1/installations/${request.params.installationId}/charging-stations/${station.id}`,
        )
        .send(station);
    },
  );

  app.get(
    `${base}/:chargingStationId`,
    {
      schema: {
        tags,
        operationId: 'getChargingStation',
        summary: 'Get a charging station',
        params: StationParamsSchema,
        response: {
          200: described(StationRef, 'The station'),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) =>
      stations.get(
        callerOf(request),
        request.params.installationId,
        request.params.chargingStationId,
      ),
  );

  app.delete(
    `${base}/:chargingStationId`,
    {
      schema: {
        tags,
        operationId: 'dissociateChargingStation',
        summary: 'Remove a charging station from the installation',
        params: StationParamsSchema,
        response: {
          204: Type.Null({ description: 'Dissociated' }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      await stations.dissociate(
        callerOf(request),
        request.params.installationId,
        request.params.chargingStationId,
      );
      return reply.status(204).send(null);
    },
  );

  app.put(
    `${base}/:chargingStationId`,
    {
      schema: {
        tags,
        operationId: 'updateChargingStation',
        summary: 'Update charging station properties',
        description:
          'friendlyName and averageEvConsumption apply at once; ledPower and tariff1..10 are sent to the station and need every socket unplugged.',
        params: StationParamsSchema,
        body: UpdateRequestSchema,
        response: { 202: commandAccepted, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { installationId, chargingStationId } = request.params;
      const command = await stations.update(
        callerOf(request),
        installationId,
        chargingStationId,
        request.body,
      );
      return reply.status(202).header('location', location(installationId, command)).send(command);
    },
  );

  app.post(
    `${base}/:chargingStationId/operators/set-charge-mode`,
    {
      schema: {
        tags,
        operationId: 'setChargeMode',
        summary: 'Set the charge mode',
        description: 'Needs every socket unplugged.',
        params: StationParamsSchema,
        body: SetChargeModeRequestSchema,
        response: { 202: commandAccepted, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { installationId, chargingStationId } = request.params;
      const command = await stations.setChargeMode(
        callerOf(request),
        installationId,
        chargingStationId,
        request.body.chargeMode,
      );
      return reply.status(202).header('location', location(installationId, command)).send(command);
    },
  );

  for (const operator of ['start', 'stop'] as const) {
    app.post(
      `${base}/:chargingStationId/operators/${operator}`,
      {
        schema: {
          tags,
          operationId: operator === 'start' ? 'startSession' : 'stopSession',
          summary: operator === 'start' ? 'Start a charging session' : 'Stop a charging session',
          description: 'Needs a car plugged in and a charge mode other than immediate.',
          params: StationParamsSchema,
          response: { 202: commandAccepted, ...problemResponses(400, 401, 403, 404, 409, 429) },
        },
      },
      async (request, reply) => {
        const { installationId, chargingStationId } = request.params;
        const command = await stations[operator](
          callerOf(request),
          installationId,
          chargingStationId,
        );
        return reply
          .status(202)
          .header('location', location(installationId, command))
          .send(command);
      },
    );
  }

  app.get(
    `${base}/:chargingStationId/commands`,
    {
      schema: {
        tags,
        operationId: 'getCommands',
        summary: 'Get the latest commands of a charging station',
        params: StationParamsSchema,
        response: {
          200: Type.Array(CommandRef, { description: 'The 50 latest commands, newest first' }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) =>
      stations.commands(
        callerOf(request),
        request.params.installationId,
        request.params.chargingStationId,
      ),
  );

  app.get(
    `${base}/:chargingStationId/commands/:commandId`,
    {
      schema: {
        tags,
        operationId: 'getCommand',
        summary: 'Get a command and its status',
        params: CommandParamsSchema,
        response: {
          200: described(CommandRef, 'The command'),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const { installationId, chargingStationId, commandId } = request.params;
      return stations.command(callerOf(request), installationId, chargingStationId, commandId);
    },
  );

  await app.register(telemetryRoutes, {
    kind: 'chargingStation',
    path: `${base}/:chargingStationId`,
    params: StationParamsSchema,
    tag: 'Charging stations',
    telemetry,
    resolve: async (caller, params) => {
      const installationId = Number(params.installationId);
      const target = await stations.telemetryTarget(
        caller,
        installationId,
        String(params.chargingStationId),
      );
      return { ...target, currency: await currencyOf(installationId) };
    },
  });
};
