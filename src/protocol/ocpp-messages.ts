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
