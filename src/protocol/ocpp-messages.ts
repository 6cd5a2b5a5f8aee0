/** The OCPP 1.6J payloads the gateway reads (OCPP 1.6 §6 messages; schemas checked by ocpp-rpc). */
import type { ConnectorStatus } from '../domain/station-state.js';

export interface BootNotificationRequest {
  chargePointVendor: string;
  chargePointModel: string;
  chargePointSerialNumber?: string;
  firmwareVersion?: string;
}

export interface StatusNotificationRequest {
  connectorId: number;
  errorCode: string;
  status: ConnectorStatus;
  info?: string;
  timestamp?: string;
  vendorId?: string;
  vendorErrorCode?: string;
}

export interface SampledValue {
  value: string;
  context?: string;
  format?: 'Raw' | 'SignedData';
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}

export interface MeterValuesRequest {
  connectorId: number;
  transactionId?: number;
  meterValue: { timestamp: string; sampledValue: SampledValue[] }[];
}

export interface StartTransactionRequest {
  connectorId: number;
  idTag: string;
  meterStart: number;
  reservationId?: number;
  timestamp: string;
}

export interface StopTransactionRequest {
  idTag?: string;
  meterStop: number;
  timestamp: string;
  transactionId: number;
  reason?: string;
  transactionData?: MeterValuesRequest['meterValue'];
}

export interface DataTransferRequest {
  vendorId: string;
  messageId?: string;
  data?: string;
}

export interface DataTransferResponse {
  status: 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';
  data?: string;
}

export interface GetConfigurationResponse {
  configurationKey?: { key: string; readonly: boolean; value?: string }[];
  unknownKey?: string[];
}

export interface ChangeConfigurationResponse {
  status: 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';
}

export interface RemoteStartStopResponse {
  status: 'Accepted' | 'Rejected';
}

// OCPP 1.6 Smart Charging (§3.13, §5.16, §7.7–§7.13), as the platform sends it and the
// simulated charger keeps it.

export type ChargingProfilePurpose = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
export type ChargingRateUnit = 'A' | 'W';

/** OCPP 1.6 §7.13 ChargingSchedulePeriod: startPeriod in seconds from the schedule's start. */
export interface ChargingSchedulePeriod {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

/** OCPP 1.6 §7.12 ChargingSchedule: duration in seconds (absent: the last period never ends). */
export interface ChargingSchedule {
  duration?: number;
  startSchedule?: string;
  chargingRateUnit: ChargingRateUnit;
  chargingSchedulePeriod: ChargingSchedulePeriod[];
  minChargingRate?: number;
}

/** OCPP 1.6 §7.8 ChargingProfile (`csChargingProfiles` of SetChargingProfile). */
export interface ChargingProfile {
  chargingProfileId: number;
  transactionId?: number;
  stackLevel: number;
  chargingProfilePurpose: ChargingProfilePurpose;
  chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  recurrencyKind?: 'Daily' | 'Weekly';
  validFrom?: string;
  validTo?: string;
  chargingSchedule: ChargingSchedule;
}

export interface SetChargingProfileResponse {
  status: 'Accepted' | 'Rejected' | 'NotSupported';
}

export interface ClearChargingProfileResponse {
  status: 'Accepted' | 'Unknown';
}

/** OCPP 1.6 §9.1 configuration keys the platform reads of any charger. */
export const STANDARD_CONFIGURATION_KEY = {
  /** CSL of the feature profiles: SmartCharging among them means charging profiles work. */
  supportedFeatureProfiles: 'SupportedFeatureProfiles',
} as const;
