import nodemailer from 'nodemailer';

/** One mail as the transport sends it. */
export interface OutgoingMail {
  /** The outbox id: the Message-ID is made of it, so a mail sent twice is recognisable. */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A sending that failed; `permanent` when the server refused the mail itself (5xx). */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}

/** Where mails go: an SMTP server, or nowhere (the local outbox keeps them). */
export interface MailTransport {
  readonly kind: 'smtp' | 'local';
  /** Sends one mail; throws MailSendError when it was not accepted. */
  send(mail: OutgoingMail): Promise<void>;
  /** Ends the connections. */
  close(): Promise<void>;
}

/** No mail server: the mails stay in the store, read by `witty mail list` and `witty mail show`. */
export const localOutbox: MailTransport = {
  kind: 'local',
  send: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** The settings of an SMTP server from its URL: smtp:// or smtps://user:password@host:port. */
export function smtpOptionsOf(url: string) {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  if (!secure && parsed.protocol !== 'smtp:')
    throw new Error('the SMTP URL must be smtp:// or smtps://');
  const user = decodeURIComponent(parsed.username);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass: decodeURIComponent(parsed.password) } } : {}),
  };
}

/** Sends through an SMTP server over a small pool of connections (nodemailer). */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(
    {
      ...smtpOptionsOf(url),
      pool: true,
      maxConnections: 2,
      // A server that does not answer holds a mail for a minute at most; it is retried later.
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    },
    { from },
  );
  const messageDomain = /@([^\s>]+)/.exec(from)?.[1] ?? 'witty-home.invalid';
  return {
    kind: 'smtp',
    async send(mail) {
      try {
        await transporter.sendMail({
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: `<${mail.id}@${messageDomain}>`,
        });
      } catch (error) {
        const { responseCode, message } = error as { responseCode?: number; message?: string };
        throw new MailSendError(
          message ?? String(error),
          typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600,
        );
      }
    },
    close() {
      transporter.close();
      return Promise.resolve();
    },
  };
}
