import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { DeviceRow, DeviceStore } from './store.js';

/** Product reference of Witty charging stations. */
export const PRODUCT_REFERENCE = 'XEVFR';

/** A device of the factory's registry, as operators see it (never its secret). */
export interface Device {
  uid: string;
  serialNumber: string;
  macAddress: string | null;
  productionDate: string;
  productReference: string;
}

/** Raised for bad operator input (CLI). */
export class DeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceError';
  }
}

// The guide's uids are 22 characters of base62 (e.g. Fbo5WTTsSeeLQ8YYoLzNwN); other OCPP
// identities are accepted if they are URL-safe, as OCPP 1.6J §3.1.1 asks of identities.
const UID = /^[A-Za-z0-9._~-]{1,48}$/;
const SERIAL = /^[A-Za-z0-9-]{1,40}$/;
const MAC = /^([0-9A-F]{2}-){5}[0-9A-F]{2}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A new uid in the guide's format: 22 base62 characters. */
export function newUid(): string {
  const bytes = randomBytes(22);
  return [...bytes].map((b) => BASE62[b % 62]).join('');
}

/**
 * Device secrets are random (generated) or at least 16 characters (OCPP security profile 1
 * recommends 16–40); a salted SHA-256 is enough for such secrets and keeps thousands of
 * stations reconnecting at once cheap, which a memory-hard hash would not.
 */
function hashSecret(uid: string, secret: string): string {
  return createHash('sha256').update(`${uid}:${secret}`).digest('hex');
}

/** The factory's list of stations that may connect, with their secrets. */
export class DeviceService {
  constructor(
    private readonly store: DeviceStore,
    private readonly clock: Clock,
  ) {}

  /** Adds a device to the registry; returns it with its password, shown only here. */
  async provision(input: {
    uid?: string;
    serialNumber: string;
    password?: string;
    macAddress?: string;
    productionDate?: string;
  }): Promise<Device & { password: string }> {
    const uid = input.uid ?? newUid();
    if (!UID.test(uid))
      throw new DeviceError(`uid must be 1 to 48 URL-safe characters, not ${uid}`);
    if (!SERIAL.test(input.serialNumber)) {
      throw new DeviceError(
        `serial number must be 1 to 40 letters, digits or dashes, not ${input.serialNumber}`,
      );
    }
    const password = input.password ?? randomBytes(18).toString('base64url');
    if (password.length < 16 || password.length > 40) {
      throw new DeviceError('password must have 16 to 40 characters');
    }
    const macAddress = input.macAddress?.toUpperCase().replaceAll(':', '-') ?? null;
    if (macAddress !== null && !MAC.test(macAddress)) {
      throw new DeviceError(
        `MAC address must look like F8-F5-05-DC-33-83, not ${input.macAddress}`,
      );
    }
    const now = this.clock.now();
    const productionDate = input.productionDate ? new Date(input.productionDate) : now;
    if (Number.isNaN(productionDate.getTime()))
      throw new DeviceError(`not a date: ${input.productionDate}`);
    if (await this.store.find(uid))
      throw new DeviceError(`a device with uid ${uid} already exists`);
    if (await this.store.findBySerial(input.serialNumber)) {
      throw new DeviceError(`a device with serial number ${input.serialNumber} already exists`);
    }
    const row = {
      uid,
      serial_number: input.serialNumber,
      mac_address: macAddress,
      production_date: productionDate.toISOString(),
      product_reference: PRODUCT_REFERENCE,
      secret_hash: hashSecret(uid, password),
      created_at: now.toISOString(),
    };
    await this.store.insert(row);
    return { ...toDevice(row), password };
  }

  /** A new secret for a registered device (the old one stops working); returned only here. */
  async resetSecret(uid: string): Promise<string> {
    if (!(await this.store.find(uid))) throw new DeviceError(`no device with uid ${uid}`);
    const password = randomBytes(18).toString('base64url');
    await this.store.setSecretHash(uid, hashSecret(uid, password));
    return password;
  }

  async list(): Promise<Device[]> {
    return (await this.store.list()).map(toDevice);
  }

  async find(uid: string): Promise<DeviceRow | undefined> {
    return this.store.find(uid);
  }

  /** Whether a uid and password are those of a registered device (OCPP security profile 1). */
  async verify(uid: string, password: Buffer | undefined): Promise<boolean> {
    const device = await this.store.find(uid);
    if (!device || !password) return false;
    const expected = Buffer.from(device.secret_hash, 'hex');
    const actual = Buffer.from(hashSecret(uid, password.toString('utf8')), 'hex');
    return timingSafeEqual(expected, actual);
  }
}

function toDevice(
  row: Pick<
    DeviceRow,
    'uid' | 'serial_number' | 'mac_address' | 'production_date' | 'product_reference'
  >,
): Device {
  return {
    uid: row.uid,
    serialNumber: row.serial_number,
    macAddress: row.mac_address,
    productionDate: row.production_date,
    productReference: row.product_reference,
  };
}
