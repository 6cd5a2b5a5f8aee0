import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { Caller } from '../identity/index.js';
import type { StationCommandBus } from '../gateway/ocpp-gateway.js';
import { CONFIGURATION_KEY } from '../gateway/witty-profile.js';
import type {
  ChangeConfigurationResponse,
  RemoteStartStopResponse,
} from '../gateway/ocpp-messages.js';
import type { DeviceStateService } from './device-state.js';
import type { StationCommand } from './schemas.js';
import type { CommandRow, StationRow, StationStore } from './store.js';

/** An OCPP CALL a command makes. */
export interface PlannedCall {
  action: 'ChangeConfiguration' | 'RemoteStartTransaction' | 'RemoteStopTransaction';
  payload: Record<string, unknown>;
}

interface CallRecord extends PlannedCall {
  response?: unknown;
  error?: string;
}

type Outcome = 'accepted' | 'rejected' | 'timedOut';

/** Time a command's database work may add to its calls' time-outs. */
const DEADLINE_SLACK_MS = 5000;

/** Whether the station took the call (OCPP 1.6 §5.3, §5.11, §5.12 answers). */
function accepted(action: PlannedCall['action'], response: unknown): boolean {
  const status = (response as ChangeConfigurationResponse | RemoteStartStopResponse | undefined)
    ?.status;
  if (action === 'ChangeConfiguration') return status === 'Accepted' || status === 'RebootRequired';
  return status === 'Accepted';
}

/** A charger without WittyChargeMode: the platform applies the mode itself (device-state.ts). */
function appliedByPlatform(call: PlannedCall, response: unknown): boolean {
  return (
    call.action === 'ChangeConfiguration' &&
    call.payload.key === CONFIGURATION_KEY.chargeMode &&
    (response as ChangeConfigurationResponse | undefined)?.status === 'NotSupported'
  );
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'StationCallTimeoutError' || name === 'StationNotConnectedError';
}

/**
 * Runs station commands: each is stored pending and answered 202 at once, then its OCPP calls
 * go to the station one after the other and the command ends accepted, rejected or timedOut.
 */
export class StationCommandRunner {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      stations: StationStore;
      state: DeviceStateService;
      bus: StationCommandBus;
      clock: Clock;
      log: FastifyBaseLogger;
      timeoutMs: number;
    },
  ) {}

  async run(
    station: StationRow,
    caller: Caller,
    type: StationCommand['type'],
    request: Record<string, unknown>,
    calls: PlannedCall[],
  ): Promise<StationCommand> {
    const now = this.deps.clock.now().toISOString();
    const row: CommandRow = {
      id: randomUUID(),
      station_id: station.id,
      uid: station.uid,
      type,
      request: JSON.stringify(request),
      status: calls.length === 0 ? 'accepted' : 'pending',
      calls: '[]',
      requested_by: caller.account.accountId,
      created_at: now,
      completed_at: calls.length === 0 ? now : null,
      // Each call waits up to timeoutMs; past this, a command still pending was abandoned.
      deadline_at:
        calls.length === 0
          ? null
          : new Date(
              Date.parse(now) + calls.length * this.deps.timeoutMs + DEADLINE_SLACK_MS,
            ).toISOString(),
    };
    await this.deps.stations.insertCommand(row);
    if (calls.length > 0) {
      const execution = this.execute(row, calls).catch((error: unknown) =>
        this.deps.log.error({ err: error, commandId: row.id }, 'command execution failed'),
      );
      this.inFlight.add(execution);
      void execution.finally(() => this.inFlight.delete(execution));
    }
    return toCommand(row);
  }

  private async execute(row: CommandRow, calls: PlannedCall[]): Promise<void> {
    const { bus, state, stations, clock, timeoutMs } = this.deps;
    const records: CallRecord[] = [];
    let outcome: Outcome = 'accepted';
    for (const call of calls) {
      const record: CallRecord = { ...call };
      records.push(record);
      try {
        record.response = await bus.call(row.uid, call.action, call.payload, timeoutMs);
        if (appliedByPlatform(call, record.response)) {
          await state.withStation(row.uid, (station) =>
            state.platformChargeMode(station, String(call.payload.value)),
          );
          continue;
        }
        if (!accepted(call.action, record.response)) {
          outcome = 'rejected';
          break;
        }
        if (call.action === 'ChangeConfiguration') {
          await state.withStation(row.uid, (station) =>
            state.configuration(station, {
              [String(call.payload.key)]: String(call.payload.value),
            }),
          );
        }
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
        outcome = isTimeout(error) ? 'timedOut' : 'rejected';
        break;
      }
    }
    await stations.completeCommand(row.id, {
      status: outcome,
      calls: JSON.stringify(records),
      completed_at: clock.now().toISOString(),
    });
  }

  async find(stationId: string, commandId: string): Promise<StationCommand | undefined> {
    const row = await this.deps.stations.findCommand(stationId, commandId);
    return row && toCommand(row);
  }

  async list(stationId: string): Promise<StationCommand[]> {
    return (await this.deps.stations.listCommands(stationId, 50)).map(toCommand);
  }

  /** Waits for the commands under way (their calls end by answer, time-out or disconnection). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

function toCommand(row: CommandRow): StationCommand {
  return {
    commandId: row.id,
    chargingStationId: row.station_id,
    type: row.type as StationCommand['type'],
    status: row.status,
    request: JSON.parse(row.request) as Record<string, unknown>,
    createdDate: row.created_at,
    completedDate: row.completed_at,
    calls: JSON.parse(row.calls) as StationCommand['calls'],
  };
}
