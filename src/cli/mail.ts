import type { Config } from '../config.js';
import type { MailRow } from '../mail/index.js';
import { print, UsageError, type Options } from './options.js';
import { withPlatform } from './platform.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A mail as the commands show it. */
function summary(mail: MailRow) {
  return {
    id: mail.id,
    to: mail.to_address,
    kind: mail.kind,
    culture: mail.culture,
    subject: mail.subject,
    state: mail.state,
    attempts: mail.attempts,
    createdAt: mail.created_at,
    sentAt: mail.sent_at,
    nextAttemptAt: mail.next_attempt_at,
    lastError: mail.last_error,
  };
}

/** `witty mail list [--to ADDRESS] [--limit N]`: the outbox, newest first. */
export async function listMails(config: Config, options: Options): Promise<number> {
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be a whole number from 1 to 1000');
  const to = options.to;
  if (to !== undefined && (typeof to !== 'string' || !to.includes('@')))
    throw new UsageError('--to must be a mail address');
  return withPlatform(config, async (platform) => {
    const mails = await platform.mailStore.list({ limit, ...(to ? { to } : {}) });
    print(mails.map(summary));
    return 0;
  });
}

/** `witty mail show ID`: one mail, with its text and HTML parts and the message it came from. */
export async function showMail(config: Config, options: Options): Promise<number> {
  const id = options.argument;
  if (typeof id !== 'string' || !UUID.test(id)) throw new UsageError('give the id of a mail');
  return withPlatform(config, async (platform) => {
    const mail = await platform.mailStore.find(id);
    if (!mail) {
      process.stderr.write(`witty: no mail ${id}\n`);
      return 1;
    }
    print({
      ...summary(mail),
      text: mail.text,
      html: mail.html,
      message: JSON.parse(mail.message) as unknown,
    });
    return 0;
  });
}
