import { parseTicDataset } from '../domain/tic.js';
import type {
  DeviceStateService,
  MeterReading,
  StationContext,
  StationInfo,
} from '../stations/index.js';
import {
  type BootNotificationRequest,
  type DataTransferRequest,
  type DataTransferResponse,
  type MeterValuesRequest,
  type SampledValue,
  type StartTransactionRequest,
  type StatusNotificationRequest,
  type StopTransactionRequest,
  CONNECTOR,
  DATA_TRANSFER,
  HEARTBEAT_INTERVAL_SECONDS,
  MAX_CYBERSECURITY_MESSAGE,
  MAX_STATION_INFO_VALUE,
  WITTY_VENDOR_ID,
  CONNECTIVITY_TYPES,
  TIC_CONNECTED_VALUES,
} from '../protocol/index.js';
import { OcppCallError } from './ocpp-frames.js';

/** What a handler knows of the call: the station, read once for the message, in its transaction. */
export interface HandlerContext {
  uid: string;
  station: StationContext;
  now: () => Date;
  /** Work to do once the answer is sent (OCPP 1.6 §4.2: one CALL at a time each way). */
  after: (task: () => Promise<void>) => void;
}

type Handler = (params: never, context: HandlerContext) => Promise<object>;

/** Accepted for StopTransaction: the session is over whatever the idTag. */
const ACCEPTED = { status: 'Accepted' } as const;

/**
 * Refuses a value the schema lets through but the station cannot mean: OCPP-J 1.6 §4.2.3
 * PropertyConstraintViolation, "at least one field contains an invalid value". Nothing of the
 * message is recorded (the handler runs in the message's transaction).
 */
function requireValue(valid: boolean, field: string, rule: string): void {
  if (!valid) throw new OcppCallError('PropertyConstraintViolation', `${field} ${rule}`);
}

/** A connector of a Witty station: 0 (the station), 1 (M3) or 2 (M2); OCPP 1.6 §3.7. */
function requireConnector(connectorId: number, { station }: { station: boolean }): void {
  const lowest = station ? CONNECTOR.station : CONNECTOR.m3;
  requireValue(
    connectorId >= lowest && connectorId <= CONNECTOR.m2,
    'connectorId',
    `must be from ${lowest} to ${CONNECTOR.m2} on this station`,
  );
}

/** Energy.Active.Import.Register in Wh, whatever unit the sample was sent in. */
function energyWh(sample: SampledValue): number | undefined {
  const measurand = sample.measurand ?? 'Energy.Active.Import.Register';
  if (measurand !== 'Energy.Active.Import.Register' || sample.format === 'SignedData')
    return undefined;
  if (sample.phase !== undefined) return undefined; // the total, not a phase
  const value = Number(sample.value);
  if (!Number.isFinite(value)) return undefined;
  return sample.unit === 'kWh' ? value * 1000 : value;
}

function powerW(sample: SampledValue): number | undefined {
  if (sample.measurand !== 'Power.Active.Import' || sample.phase !== undefined) return undefined;
  const value = Number(sample.value);
  if (!Number.isFinite(value)) return undefined;
  return sample.unit === 'kW' ? value * 1000 : value;
}

/** The readings of MeterValues samples (OCPP 1.6 §4.7). */
export function readingsOf(request: MeterValuesRequest): MeterReading[] {
  return request.meterValue.map((meterValue) => {
    let energy: number | undefined;
    let power: number | undefined;
    for (const sample of meterValue.sampledValue) {
      energy ??= energyWh(sample);
      power ??= powerW(sample);
    }
    return {
      connectorId: request.connectorId,
      ...(request.transactionId !== undefined ? { transactionId: request.transactionId } : {}),
      timestamp: meterValue.timestamp,
      ...(energy !== undefined ? { energyWh: energy } : {}),
      ...(power !== undefined ? { powerW: power } : {}),
    };
  });
}

function parseJson(data: string | undefined): Record<string, unknown> | undefined {
  if (data === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** StationInfo members that the guide gives as enums: other values are ignored. */
const STATION_INFO_ENUMS: Partial<Record<keyof StationInfo, readonly string[]>> = {
  ticConnected: TIC_CONNECTED_VALUES,
  connectivityType: CONNECTIVITY_TYPES,
};

/** Witty DataTransfer messages (docs/ocpp-profile.md). */
async function wittyDataTransfer(
  state: DeviceStateService,
  station: StationContext,
  request: DataTransferRequest,
): Promise<DataTransferResponse> {
  const data = parseJson(request.data);
  switch (request.messageId) {
    case DATA_TRANSFER.stationInfo: {
      if (!data) return { status: 'Rejected' };
      const info: StationInfo = {};
      for (const key of [
        'wifiSsid',
        'macAddress',
        'phaseNumber',
        'ticConnected',
        'nightModeConnected',
        'sheddingMode',
        'connectivityType',
      ] as const) {
        const value = optionalString(data[key]);
        if (value !== undefined && value.length > MAX_STATION_INFO_VALUE)
          return { status: 'Rejected' };
        const allowed = STATION_INFO_ENUMS[key];
        if (value !== undefined && (!allowed || allowed.includes(value))) info[key] = value;
      }
      if (typeof data.erlConnected === 'boolean') info.erlConnected = data.erlConnected;
      state.stationInfo(station, info);
      return { status: 'Accepted' };
    }
    case DATA_TRANSFER.keySwitch: {
      if (
        (data?.keySwitch !== 'locked' && data?.keySwitch !== 'unlocked') ||
        typeof data.evcsLocked !== 'boolean'
      ) {
        return { status: 'Rejected' };
      }
      await state.keySwitch(station, data.keySwitch, data.evcsLocked);
      return { status: 'Accepted' };
    }
    case DATA_TRANSFER.cyberSecurity: {
      const event = data?.event;
      if (typeof event !== 'number' || !Number.isInteger(event) || event < 0 || event > 4) {
        return { status: 'Rejected' };
      }
      // The message is free text from the station: kept, but bounded.
      const message = optionalString(data?.message)?.slice(0, MAX_CYBERSECURITY_MESSAGE);
      await state.cyberSecurity(station, event, message);
      return { status: 'Accepted' };
    }
    case DATA_TRANSFER.tic: {
      let labels: Record<string, string> | undefined;
      if (typeof data?.frame === 'string') labels = parseTicDataset(data.frame);
      else if (data?.labels && typeof data.labels === 'object' && !Array.isArray(data.labels)) {
        labels = Object.fromEntries(
          Object.entries(data.labels as Record<string, unknown>).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string',
          ),
        );
      }
      if (!labels) return { status: 'Rejected' };
      const at = typeof data?.timestamp === 'string' ? data.timestamp : undefined;
      return { status: await state.tic(station, labels, at) };
    }
    default:
      return { status: 'UnknownMessageId' };
  }
}

/**
 * One handler per OCPP 1.6J action a station may send (OCPP 1.6 §4), in a plain table, each run
 * in the message's unit of work; Heartbeat is in deviceOnlyHandlers. Actions in neither table
 * are answered NotImplemented by ocpp-rpc (OCPP-J 1.6 §4.2.3).
 */
export function ocppHandlers(
  state: DeviceStateService,
  hooks: {
    /** Records the platform's configuration command in the boot's work; sends it after commit. */
    afterBoot: (station: StationContext) => Promise<() => void>;
    /** Plans the charge of a charger the platform drives once a transaction has started. */
    afterStart: (uid: string) => Promise<void>;
  },
): Record<string, Handler> {
  const table = {
    // §4.2: Accepted with the heartbeat interval; the station's Witty settings are read next.
    BootNotification: async (
      request: BootNotificationRequest,
      { station, now, after }: HandlerContext,
    ) => {
      state.booted(
        station,
        {
          vendor: request.chargePointVendor,
          model: request.chargePointModel,
          ...(request.firmwareVersion ? { firmwareVersion: request.firmwareVersion } : {}),
        },
        HEARTBEAT_INTERVAL_SECONDS,
      );
      const configure = await hooks.afterBoot(station);
      after(async () => configure());
      return {
        status: 'Accepted',
        currentTime: now().toISOString(),
        interval: HEARTBEAT_INTERVAL_SECONDS,
      };
    },
    // §4.9
    StatusNotification: async (request: StatusNotificationRequest, { station }: HandlerContext) => {
      requireConnector(request.connectorId, { station: true });
      await state.status(station, {
        connectorId: request.connectorId,
        status: request.status,
        errorCode: request.errorCode,
        ...(request.vendorId !== undefined ? { vendorId: request.vendorId } : {}),
        ...(request.vendorErrorCode !== undefined
          ? { vendorErrorCode: request.vendorErrorCode }
          : {}),
        ...(request.timestamp !== undefined ? { timestamp: request.timestamp } : {}),
      });
      return {};
    },
    // §4.7
    MeterValues: async (request: MeterValuesRequest, { station }: HandlerContext) => {
      requireConnector(request.connectorId, { station: true });
      await state.meterValues(station, readingsOf(request));
      return {};
    },
    // §4.1
    Authorize: async (request: { idTag: string }, { station }: HandlerContext) => {
      return { idTagInfo: { status: state.idTagStatus(station, request.idTag) } };
    },
    // §4.8
    // §6.45: connectorId > 0; meterStart is a meter reading in Wh, never negative.
    StartTransaction: async (
      request: StartTransactionRequest,
      { station, after }: HandlerContext,
    ) => {
      requireConnector(request.connectorId, { station: false });
      requireValue(request.meterStart >= 0, 'meterStart', 'must not be negative');
      const status = state.idTagStatus(station, request.idTag);
      const transactionId = await state.startTransaction(station, {
        connectorId: request.connectorId,
        idTag: request.idTag,
        meterStart: request.meterStart,
        timestamp: request.timestamp,
        blocked: status === 'Blocked',
      });
      if (status === 'Accepted' && station.device.charge_mode_by_platform === 1)
        after(() => hooks.afterStart(station.uid));
      // A Blocked idTag ends the transaction at once (the charger sends StopTransaction, §4.8).
      return { transactionId, idTagInfo: { status } };
    },
    // §4.10: transactionData, when sent, carries the last meter values of the session.
    StopTransaction: async (request: StopTransactionRequest, { station }: HandlerContext) => {
      requireValue(request.meterStop >= 0, 'meterStop', 'must not be negative');
      if (request.transactionData) {
        await state.meterValues(
          station,
          readingsOf({
            connectorId: 0,
            transactionId: request.transactionId,
            meterValue: request.transactionData,
          }),
        );
      }
      await state.stopTransaction(station, {
        transactionId: request.transactionId,
        meterStop: request.meterStop,
        timestamp: request.timestamp,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
      });
      return request.idTag !== undefined ? { idTagInfo: ACCEPTED } : {};
    },
    // §4.3
    DataTransfer: async (
      request: DataTransferRequest,
      { station }: HandlerContext,
    ): Promise<DataTransferResponse> => {
      if (request.vendorId !== WITTY_VENDOR_ID) return { status: 'UnknownVendorId' };
      return wittyDataTransfer(state, station, request);
    },
    // §4.5
    FirmwareStatusNotification: async (
      request: { status: string },
      { station }: HandlerContext,
    ) => {
      state.firmwareStatus(station, request.status);
      return {};
    },
    // §4.4
    DiagnosticsStatusNotification: async (
      request: { status: string },
      { station }: HandlerContext,
    ) => {
      state.diagnosticsStatus(station, request.status);
      return {};
    },
  };
  return table;
}

/** What a device-only handler knows of the call. */
export interface DeviceCallContext {
  uid: string;
  /** The CALL came on the station's current connection, not on one replaced since. */
  onCurrentConnection: boolean;
  now: () => Date;
}

/**
 * The actions that change the device's own columns only, and so need no unit of work: each is
 * one statement, without reading the station first.
 */
export function deviceOnlyHandlers(
  state: DeviceStateService,
): Record<string, (params: never, context: DeviceCallContext) => Promise<object>> {
  return {
    // §4.6
    Heartbeat: async (_request: object, { uid, onCurrentConnection, now }: DeviceCallContext) => {
      await state.heartbeat(uid, onCurrentConnection);
      return { currentTime: now().toISOString() };
    },
  };
}
