import type { Clock } from '../clock.js';
import { ianaZone } from '../domain/time-buckets.js';
import { mailCultureOf } from './messages.js';
import { isMailAddress, type MailQueue } from './queue.js';
import type { MailStore } from './store.js';
import { DEFAULT_MAIL_TIME_ZONE } from './templates/layout.js';

/** The station an error event is about, as the association stores it. */
export interface AlertStation {
  id: string;
  uid: string;
  installation_id: number;
  friendly_name: string | null;
  culture: string;
  timezone: string;
}

/** The event that announces a station's error code (docs/events.md). */
const ERROR_EVENT = 'XEVFR.state_EVCS_error';
const NO_ERROR = 0;

/** At most one mail per error code and station in this time. */
export const ALERT_INTERVAL_MS = 3_600_000;

/**
 * Owner alerts: an error event of a station becomes a mail to the installation's owner, in the
 * station's culture, in the unit of work that raised it. A raise is mailed at most once an hour
 * per station and code (remembered in the store); the clearing is mailed only when the raise
 * it ends was, so that every "cleared" answers an "error" the owner received.
 */
export class StationAlerts {
  constructor(
    private readonly store: MailStore,
    private readonly queue: MailQueue,
    private readonly clock: Clock,
  ) {}

  /** Takes every event a station raises (a StationEventSink); acts on error events only. */
  async raise(
    station: AlertStation,
    type: string,
    data: Record<string, unknown>,
    at: string,
  ): Promise<void> {
    if (type !== ERROR_EVENT) return;
    const code = Number(data.code);
    const previous = Number(data.previousCode ?? NO_ERROR);
    if (!Number.isInteger(code) || code === previous) return;
    if (code === NO_ERROR) await this.cleared(station, previous, at);
    else await this.raised(station, code, at);
  }

  private async raised(station: AlertStation, code: number, at: string): Promise<void> {
    // Another error takes over: the clearing of the one before is no longer announced.
    await this.store.settleClears(station.id);
    const recipient = await this.store.alertRecipient(station.installation_id);
    const now = this.clock.now();
    const memory = await this.store.alertMemory(station.id, code);
    const recent =
      memory?.raisedMailedAt != null &&
      now.getTime() - Date.parse(memory.raisedMailedAt) < ALERT_INTERVAL_MS;
    // An address that cannot be mailed must not fail the station's message: no mail then.
    if (!recipient?.stationErrorEmails || !isMailAddress(recipient.email) || recent) {
      await this.store.rememberRaise(station.id, code, null);
      return;
    }
    await this.queue.enqueue(this.message(station, recipient, 'raised', code, at));
    await this.store.rememberRaise(station.id, code, now.toISOString());
  }

  private async cleared(station: AlertStation, code: number, at: string): Promise<void> {
    const memory = await this.store.alertMemory(station.id, code);
    if (!memory?.clearDue) return;
    await this.store.settleClears(station.id);
    const recipient = await this.store.alertRecipient(station.installation_id);
    if (!recipient?.stationErrorEmails || !isMailAddress(recipient.email)) return;
    await this.queue.enqueue(this.message(station, recipient, 'cleared', code, at));
  }

  private message(
    station: AlertStation,
    recipient: { email: string; installationName: string },
    state: 'raised' | 'cleared',
    code: number,
    at: string,
  ) {
    let timeZone = DEFAULT_MAIL_TIME_ZONE;
    try {
      timeZone = ianaZone(station.timezone);
    } catch {
      // A zone the platform does not know: Paris, as for mails without an installation.
    }
    return {
      kind: 'stationError' as const,
      to: recipient.email,
      culture: mailCultureOf(station.culture),
      installationName: recipient.installationName,
      stationName: station.friendly_name?.trim() || station.uid,
      state,
      code,
      at,
      timeZone,
    };
  }
}
