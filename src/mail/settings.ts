import type { Clock } from '../clock.js';
import type { Caller } from '../identity/index.js';
import type { NotificationSettings } from './schemas.js';
import type { MailStore } from './store.js';

/** The caller's own notification settings. */
export class NotificationSettingsService {
  constructor(
    private readonly store: MailStore,
    private readonly clock: Clock,
  ) {}

  async get(caller: Caller): Promise<NotificationSettings> {
    return { stationErrorEmails: await this.store.stationErrorEmails(caller.account.accountId) };
  }

  async update(caller: Caller, settings: NotificationSettings): Promise<NotificationSettings> {
    await this.store.setStationErrorEmails(
      caller.account.accountId,
      settings.stationErrorEmails,
      this.clock.now().toISOString(),
    );
    return this.get(caller);
  }
}
