import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { Caller } from '../identity/index.js';
import {
  StationCallTimeoutError,
  StationNotConnectedError,
  type StationCommandBus,
} from '../bus/index.js';
import {
  ALL_CONFIGURATION_KEYS,
  CONFIGURATION_KEY,
  type ChangeConfigurationResponse,
  STANDARD_CONFIGURATION_KEY,
  type ClearChargingProfileResponse,
  type GetConfigurationResponse,
  type RemoteStartStopResponse,
  type SetChargingProfileResponse,
} from '../protocol/index.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { DeviceStateService, StationContext } from './device-state.js';
import type { StationCommand } from './schemas.js';
import type { CommandRow, StationRow, StationStore } from './store.js';

/** An OCPP CALL a command makes. */
export interface PlannedCall {
  action:
    | 'GetConfiguration'
    | 'ChangeConfiguration'
    | 'RemoteStartTransaction'
    | 'RemoteStopTransaction'
    | 'SetChargingProfile'
    | 'ClearChargingProfile';
  payload: Record<string, unknown>;
}

/** The stores a command is recorded with, in the unit of work of the change that makes it. */
export interface CommandStores {
  stations: StationStore;
}

/** Who asked for a command: an account, or the platform itself (configuration after a boot). */
export type Requester = Caller | 'platform';

interface CallRecord extends PlannedCall {
  response?: unknown;
  error?: string;
}

type Outcome = 'accepted' | 'rejected' | 'timedOut';

/** A command that has ended, as its listeners hear of it (after its outcome committed). */
export interface CompletedCommand {
  uid: string;
  type: StationCommand['type'];
  request: Record<string, unknown>;
  status: Outcome;
}

/** OCPP 1.6 §5.3 ChangeConfiguration of one key. */
export function changeConfiguration(key: string, value: string): PlannedCall {
  return { action: 'ChangeConfiguration', payload: { key, value } };
}

/** Time a command's database work may add to its calls' time-outs. */
const DEADLINE_SLACK_MS = 5000;

/**
 * Whether the station took the call (OCPP 1.6 §5.3, §5.5, §5.8, §5.11, §5.12, §5.16 answers);
 * ClearChargingProfile's Unknown means that there was nothing to clear.
 */
function accepted(action: PlannedCall['action'], response: unknown): boolean {
  if (action === 'GetConfiguration') return true;
  const status = (
    response as
      | ChangeConfigurationResponse
      | RemoteStartStopResponse
      | SetChargingProfileResponse
      | ClearChargingProfileResponse
      | undefined
  )?.status;
  if (action === 'ChangeConfiguration') return status === 'Accepted' || status === 'RebootRequired';
  if (action === 'ClearChargingProfile') return status === 'Accepted' || status === 'Unknown';
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

/** No answer came: the station is not connected, or did not answer in time. */
function isTimeout(error: unknown): boolean {
  return error instanceof StationCallTimeoutError || error instanceof StationNotConnectedError;
}

/**
 * Runs station commands, the API's and the platform's own: each is stored pending (and answered
 * 202 at once by the API), then its OCPP calls go to the station one after the other and the
 * command ends accepted, rejected or timedOut. Every CALL the platform makes goes through here.
 */
export class StationCommandRunner {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly listeners: ((command: CompletedCommand) => void)[] = [];

  constructor(
    private readonly deps: {
      uow: UnitOfWork<CommandStores>;
      state: DeviceStateService;
      bus: StationCommandBus;
      clock: Clock;
      log: FastifyBaseLogger;
      timeoutMs: number;
    },
  ) {}

  /** Hears of every command this process ran, once its outcome has committed. */
  onCompleted(listener: (command: CompletedCommand) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Records a command, with the change that goes with it (`change`, e.g. the cloud-side fields of
   * a PUT) in the same transaction, then sends its calls once that has committed.
   */
  async run(
    station: Pick<StationRow, 'uid'> & { id: string | null },
    requester: Requester,
    type: StationCommand['type'],
    request: Record<string, unknown>,
    calls: PlannedCall[],
    change?: (stores: CommandStores) => Promise<void>,
  ): Promise<StationCommand> {
    const row = await this.deps.uow.run(async (stores) => {
      await change?.(stores);
      return this.record(stores.stations, station, requester, type, request, calls);
    });
    this.dispatch(row, calls);
    return toCommand(row);
  }

  /**
   * Records a command in a unit of work already open (`stores`), with whatever else that work
   * changes; the returned function sends its calls once the work has committed.
   */
  async prepare(
    stores: CommandStores,
    station: Pick<StationRow, 'uid'> & { id: string | null },
    requester: Requester,
    type: StationCommand['type'],
    request: Record<string, unknown>,
    calls: PlannedCall[],
  ): Promise<() => void> {
    const row = await this.record(stores.stations, station, requester, type, request, calls);
    return () => this.dispatch(row, calls);
  }

  /** Records a command (accepted at once when it has no call). */
  private async record(
    stations: StationStore,
    station: Pick<StationRow, 'uid'> & { id: string | null },
    requester: Requester,
    type: StationCommand['type'],
    request: Record<string, unknown>,
    calls: readonly PlannedCall[],
    /** Calls the command may make in all, the ones its answers lead to included. */
    maxCalls = calls.length,
  ): Promise<CommandRow> {
    const now = this.deps.clock.now().toISOString();
    const row: CommandRow = {
      id: randomUUID(),
      station_id: station.id,
      uid: station.uid,
      type,
      request: JSON.stringify(request),
      status: calls.length === 0 ? 'accepted' : 'pending',
      calls: '[]',
      requested_by: requester === 'platform' ? 'platform' : requester.account.accountId,
      created_at: now,
      completed_at: calls.length === 0 ? now : null,
      // Each call waits up to timeoutMs; past this, a command still pending was abandoned.
      deadline_at:
        calls.length === 0
          ? null
          : new Date(
              Date.parse(now) + maxCalls * this.deps.timeoutMs + DEADLINE_SLACK_MS,
            ).toISOString(),
    };
    await stations.insertCommand(row);
    return row;
  }

  /** Sends a recorded command's calls to the station, one after the other. */
  private dispatch(row: CommandRow, calls: PlannedCall[]): void {
    if (calls.length === 0) return;
    const execution = this.execute(row, calls)
      .then((status) => {
        const command: CompletedCommand = {
          uid: row.uid,
          type: row.type as StationCommand['type'],
          request: JSON.parse(row.request) as Record<string, unknown>,
          status,
        };
        for (const listener of this.listeners) listener(command);
      })
      .catch((error: unknown) =>
        this.deps.log.error({ err: error, commandId: row.id }, 'command execution failed'),
      );
    this.inFlight.add(execution);
    void execution.finally(() => this.inFlight.delete(execution));
  }

  /**
   * After a boot (OCPP 1.6 §5.8): reads the station's Witty settings, then sends the ones the
   * platform holds (the owner's TIC consent) where the station reports another value. A generic
   * charger reports the keys unknown. The command is recorded in the boot's unit of work; the
   * returned function sends it once that has committed.
   */
  async configure(context: StationContext): Promise<() => void> {
    const calls: PlannedCall[] = [
      {
        action: 'GetConfiguration',
        // The Witty keys, and whether the charger takes charging profiles (charge-driver.ts).
        payload: {
          key: [...ALL_CONFIGURATION_KEYS, STANDARD_CONFIGURATION_KEY.supportedFeatureProfiles],
        },
      },
    ];
    const row = await this.record(
      context.stores.stations,
      { id: context.station?.id ?? null, uid: context.uid },
      'platform',
      'configure',
      {},
      calls,
      // The read, then at most one ChangeConfiguration per Witty key.
      1 + ALL_CONFIGURATION_KEYS.length,
    );
    return () => this.dispatch(row, calls);
  }

  /** What the station's answer to a call changes, and the calls it leads to. */
  private async applyAnswer(
    context: StationContext,
    call: PlannedCall,
    response: unknown,
  ): Promise<{ accepted: boolean; next: PlannedCall[] }> {
    const { state } = this.deps;
    if (appliedByPlatform(call, response)) {
      await state.platformChargeMode(context, String(call.payload.value));
      return { accepted: true, next: [] };
    }
    if (!accepted(call.action, response)) return { accepted: false, next: [] };
    if (call.action === 'ChangeConfiguration') {
      await state.configuration(context, {
        [String(call.payload.key)]: String(call.payload.value),
      });
    }
    if (call.action !== 'GetConfiguration') return { accepted: true, next: [] };
    const values: Record<string, string> = {};
    for (const entry of (response as GetConfigurationResponse).configurationKey ?? []) {
      if (entry.value !== undefined) values[entry.key] = entry.value;
    }
    await state.configuration(context, values);
    const next = Object.entries(state.desiredConfiguration(context))
      .filter(([key, value]) => key in values && values[key] !== value)
      .map(([key, value]) => changeConfiguration(key, value));
    return { accepted: true, next };
  }

  private async execute(row: CommandRow, planned: readonly PlannedCall[]): Promise<Outcome> {
    const { bus, state, uow, clock, timeoutMs } = this.deps;
    const calls = [...planned];
    const records: CallRecord[] = [];
    const completion = (status: Outcome) => ({
      status,
      calls: JSON.stringify(records),
      completed_at: clock.now().toISOString(),
    });
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i]!;
      const record: CallRecord = { ...call };
      records.push(record);
      let response: unknown;
      try {
        response = await bus.call(row.uid, call.action, call.payload, timeoutMs);
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
        const outcome = isTimeout(error) ? 'timedOut' : 'rejected';
        await uow.read.stations.completeCommand(row.id, completion(outcome));
        return outcome;
      }
      record.response = response;
      try {
        // The station's answer, what it changes and, after the last call, the command's outcome
        // commit together.
        const done = await state.withStation(row.uid, async (context) => {
          const answer = await this.applyAnswer(context, call, response);
          calls.push(...answer.next);
          if (answer.accepted && i < calls.length - 1) return undefined;
          const outcome = answer.accepted ? 'accepted' : 'rejected';
          await context.stores.stations.completeCommand(row.id, completion(outcome));
          return outcome;
        });
        if (done) return done;
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
        await uow.read.stations.completeCommand(row.id, completion('rejected'));
        return 'rejected';
      }
    }
    // Unreachable: the last call's answer completes the command.
    return 'rejected';
  }

  async find(stationId: string, commandId: string): Promise<StationCommand | undefined> {
    const row = await this.deps.uow.read.stations.findCommand(stationId, commandId);
    return row && toCommand(row);
  }

  async list(stationId: string): Promise<StationCommand[]> {
    return (await this.deps.uow.read.stations.listCommands(stationId, 50)).map(toCommand);
  }

  /** Waits for the commands under way (their calls end by answer, time-out or disconnection). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

function toCommand(row: CommandRow): StationCommand {
  return {
    commandId: row.id,
    // A command of a station not associated yet is never read through the API.
    chargingStationId: row.station_id ?? '',
    type: row.type as StationCommand['type'],
    status: row.status,
    request: JSON.parse(row.request) as Record<string, unknown>,
    createdDate: row.created_at,
    completedDate: row.completed_at,
    calls: JSON.parse(row.calls) as StationCommand['calls'],
  };
}
