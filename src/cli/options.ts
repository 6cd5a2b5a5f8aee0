import type { ChargeMode } from '../domain/charge-mode.js';
import type { Subscription } from '../domain/tariffs.js';

/** A wrong use of the command line: the usage is printed with it (exit code 2). */
export class UsageError extends Error {}
/** A start-up failure explained in one line (no stack trace). */
export class StartError extends Error {}

/** The parsed options of a command. */
export type Options = Record<string, string | string[] | boolean | undefined>;

export function required(options: Options, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function speedOf(options: Options, fallback: number): number {
  const speed = options.speed === undefined ? fallback : Number(options.speed);
  if (!Number.isFinite(speed) || speed < 1 || speed > 3600)
    throw new UsageError('--speed must be between 1 and 3600');
  return speed;
}

export function daysOf(options: Options, fallback: number): number {
  const days = options.days === undefined ? fallback : Number(options.days);
  if (!Number.isInteger(days) || days < 0 || days > 730)
    throw new UsageError('--days must be a whole number from 0 to 730');
  return days;
}

export function portOf(value: unknown, fallback: number): number {
  const port = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('--control-port must be a TCP port');
  return port;
}

export function subscriptionOf(options: Options): Subscription {
  const subscription = (options.subscription ?? 'HCHP') as Subscription;
  if (!['BASE', 'HCHP', 'TEMPO', 'EJP', 'STANDARD'].includes(subscription)) {
    throw new UsageError('--subscription must be BASE, HCHP, TEMPO, EJP or STANDARD');
  }
  return subscription;
}

export function chargeModeOf(options: Options): ChargeMode {
  const chargeMode = (options['charge-mode'] ?? 'immediate') as ChargeMode;
  if (!['immediate', 'deferred', 'deferredExclusive'].includes(chargeMode)) {
    throw new UsageError('--charge-mode must be immediate, deferred or deferredExclusive');
  }
  return chargeMode;
}

/** `witty sim --generic [--no-smart-charging]`: Witty stations, or generic OCPP 1.6J chargers. */
export function stationKindOf(options: Options): {
  kind: 'witty' | 'generic';
  smartCharging: boolean;
} {
  if (options.generic !== true) {
    if (options['no-smart-charging']) throw new UsageError('--no-smart-charging needs --generic');
    return { kind: 'witty', smartCharging: false };
  }
  if (options['charge-mode'] !== undefined) {
    throw new UsageError('--charge-mode is a Witty setting: a --generic charger has none');
  }
  return { kind: 'generic', smartCharging: options['no-smart-charging'] !== true };
}
