import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './http.js';

/** A mail the test server accepted, parsed. */
export interface ReceivedMail {
  envelopeTo: string[];
  parsed: ParsedMail;
}

/**
 * A real SMTP server in the test process (smtp-server): it checks the credentials of the
 * platform's URL, accepts mails, or answers `refuseWith` (421, 451, 550…) to each recipient.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Set to make the server refuse each recipient with this reply code. */
  refuseWith: number | null = null;
  port = 0;
  private server: SMTPServer | undefined;

  constructor(private readonly credentials = { user: 'witty', pass: 'p@ss word' }) {}

  /** The URL the platform is given (auth in it, percent-encoded). */
  get url(): string {
    const { user, pass } = this.credentials;
    return `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${this.port}`;
  }

  /** Listens: on a free port the first time, on the same port after a stop. */
  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      closeTimeout: 200,
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.credentials.user && auth.password === this.credentials.pass)
          callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
      },
      onRcptTo: (_address, _session, callback) => {
        if (this.refuseWith === null) return callback();
        callback(
          Object.assign(new Error(`Refused for the test (${this.refuseWith})`), {
            responseCode: this.refuseWith,
          }),
        );
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.received.push({
              envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              parsed,
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops listening and drops the connections: the platform finds no server. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
