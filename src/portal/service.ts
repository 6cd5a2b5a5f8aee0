import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { isUniqueViolation } from '../db/unit-of-work.js';
import {
  type Account,
  hashPassword,
  isRedirectUri,
  type IdentityService,
  type IdentityStore,
  MIN_PASSWORD_LENGTH,
  normalizeEmail,
  toAccount,
} from '../identity/index.js';
import type { MailMessage } from '../mail/index.js';
import type { PortalStore } from './store.js';

/** The stores one portal change writes, in one transaction. */
export interface PortalStores {
  identity: IdentityStore;
  portal: PortalStore;
  mail: { enqueue(message: MailMessage): Promise<void> };
}

/** One change, one transaction (the platform's unit of work). */
export interface PortalUnitOfWork {
  readonly read: PortalStores;
  run<T>(work: (stores: PortalStores) => Promise<T>): Promise<T>;
}

/** How long a link sent by mail works. */
export const LINK_TTL_SECONDS = { 'confirm-email': 24 * 3600, 'reset-password': 3600 } as const;

/** A sign-up that finds its confirmation link unused and this recent sends no other. */
const RESEND_AFTER_MS = 5 * 60_000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_NAME = 100;

/** Why a form was refused, field by field (the page shows each next to its field). */
export type FieldProblem =
  | { field: string; problem: 'required' }
  | { field: string; problem: 'invalidEmail' }
  | { field: string; problem: 'passwordTooShort' }
  | { field: string; problem: 'tooLong' }
  | { field: string; problem: 'invalidRedirectUri' };

/** A form the portal refused; the page is shown again with these problems. */
export class FormRejected extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.problem}`).join(', '));
    this.name = 'FormRejected';
  }
}

/** An OAuth client a developer registered, as the portal shows it. */
export interface DeveloperClient {
  clientId: string;
  name: string;
  redirectUris: string[];
  type: 'public' | 'confidential';
  createdAt: string;
}

/** What a single-use link turned out to be. */
export type LinkOutcome = 'done' | 'expired' | 'used' | 'unknown';

/** Why a sign-in was refused. */
export type SignInRefusal = 'badCredentials' | 'notConfirmed' | 'dashboardAccount';

/** A subscription as its developer sees it on the profile. */
export interface ProfileSubscription {
  id: string;
  name: string;
  productName: string;
  state: 'pending' | 'approved' | 'rejected' | 'suspended';
  createdAt: string;
  decisionReason: string | null;
  keys: { slot: 'primary' | 'secondary'; hint: string | null }[];
}

/** A portal action refused for good (not found, not allowed, already done). */
export class PortalRefusal extends Error {
  constructor(readonly reason: 'notFound' | 'forbidden' | 'alreadyDecided' | 'self') {
    super(reason);
    this.name = 'PortalRefusal';
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newToken(): string {
  // 256 random bits, URL-safe (43 characters).
  return randomBytes(32).toString('base64url');
}

/** The person's name for mails and pages: first and last, or nothing. */
export function fullName(first: string | null, last: string | null): string {
  return [first, last].filter(Boolean).join(' ');
}

function requiredText(problems: FieldProblem[], field: string, value: string | undefined): string {
  const text = (value ?? '').trim();
  if (!text) problems.push({ field, problem: 'required' });
  else if (text.length > MAX_NAME) problems.push({ field, problem: 'tooLong' });
  return text;
}

function checkEmail(problems: FieldProblem[], value: string | undefined): string {
  const email = normalizeEmail(value ?? '');
  if (!email) problems.push({ field: 'email', problem: 'required' });
  else if (!EMAIL.test(email) || email.length > 254)
    problems.push({ field: 'email', problem: 'invalidEmail' });
  return email;
}

function checkPassword(problems: FieldProblem[], field: string, value: string | undefined) {
  const password = value ?? '';
  if (!password) problems.push({ field, problem: 'required' });
  else if (password.length < MIN_PASSWORD_LENGTH)
    problems.push({ field, problem: 'passwordTooShort' });
  return password;
}

/**
 * The developer portal's changes: sign-up with address confirmation, sign-in sessions, password
 * reset, subscriptions and their keys, and the administrators' decisions. Every change and the
 * mails it sends commit as one transaction.
 */
export class PortalService {
  private readonly approvedListeners = new Set<
    (subscriptionId: string, developer: Account) => void
  >();

  constructor(
    private readonly deps: {
      uow: PortalUnitOfWork;
      identity: IdentityService;
      clock: Clock;
      publicUrl: string;
      sessionTtlSeconds: number;
      /** Registers an OAuth client with the platform's OpenID provider. */
      registerClient(input: {
        name: string;
        redirectUris: string[];
        ownerAccountId: string;
        secret?: string;
      }): Promise<{ client_id: string }>;
    },
  ) {}

  /** Calls `listener` after each approval has committed. */
  onApproved(listener: (subscriptionId: string, developer: Account) => void): void {
    this.approvedListeners.add(listener);
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  private url(path: string): string {
    return `${this.deps.publicUrl}${path}`;
  }

  /** Creates a link of a purpose for an account (older unused ones stop working); its token. */
  private async issueLink(
    stores: PortalStores,
    accountId: string,
    purpose: 'confirm-email' | 'reset-password',
  ): Promise<{ token: string; expiresAt: string }> {
    const now = this.now();
    const token = newToken();
    const expiresAt = new Date(now.getTime() + LINK_TTL_SECONDS[purpose] * 1000).toISOString();
    await stores.portal.retireLinks(accountId, purpose, now.toISOString());
    await stores.portal.insertLink({
      token_hash: hashToken(token),
      account_id: accountId,
      purpose,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      used_at: null,
    });
    return { token, expiresAt };
  }

  private async sendConfirmation(stores: PortalStores, account: Account): Promise<void> {
    const { token, expiresAt } = await this.issueLink(stores, account.accountId, 'confirm-email');
    await stores.mail.enqueue({
      kind: 'accountConfirmation',
      to: account.email,
      culture: mailCulture(account.culture),
      name: fullName(account.firstName, account.lastName),
      link: this.url(`/confirm/${token}`),
      expirationDate: expiresAt,
    });
  }

  /**
   * A developer signs up: the account is created unconfirmed and a confirmation link mailed.
   * An address that has an account already gets no new account; the answer is the same, so
   * the form does not tell who has an account.
   */
  async signUp(input: {
    firstName?: string;
    lastName?: string;
    email?: string;
    password?: string;
    culture: string;
  }): Promise<{ email: string }> {
    const problems: FieldProblem[] = [];
    const firstName = requiredText(problems, 'firstName', input.firstName);
    const lastName = requiredText(problems, 'lastName', input.lastName);
    const email = checkEmail(problems, input.email);
    const password = checkPassword(problems, 'password', input.password);
    if (problems.length > 0) throw new FormRejected(problems);
    const row = await this.deps.identity.accountRow(
      { email, password, role: 'developer', firstName, lastName, culture: input.culture },
      { confirmed: false },
    );
    try {
      await this.deps.uow.run(async (stores) => {
        const existing = await stores.identity.findAccountByEmail(email);
        if (existing) {
          if (existing.email_confirmed_at === null && existing.enabled === 1)
            await this.resendConfirmation(stores, toAccount(existing));
          return;
        }
        await stores.identity.insertAccount(row);
        await this.sendConfirmation(stores, toAccount(row));
      });
    } catch (error) {
      // The same address signed up at the same moment: that sign-up made the account.
      if (!isUniqueViolation(error)) throw error;
    }
    return { email };
  }

  /** Sends a new confirmation link unless one was sent a moment ago. */
  private async resendConfirmation(stores: PortalStores, account: Account): Promise<void> {
    const recent = await stores.portal.latestLink(account.accountId, 'confirm-email');
    const now = this.now().getTime();
    if (recent && recent.used_at === null && now - Date.parse(recent.created_at) < RESEND_AFTER_MS)
      return;
    await this.sendConfirmation(stores, account);
  }

  /** Uses a link of a purpose: what it was, and its account when it worked. */
  private async useLink(
    stores: PortalStores,
    token: string,
    purpose: 'confirm-email' | 'reset-password',
  ): Promise<{ outcome: LinkOutcome; accountId?: string }> {
    const link = await stores.portal.findLink(hashToken(token), purpose);
    if (!link) return { outcome: 'unknown' };
    if (link.used_at !== null) return { outcome: 'used' };
    const now = this.now().toISOString();
    if (link.expires_at <= now) return { outcome: 'expired' };
    if (!(await stores.portal.useLink(link.token_hash, now))) return { outcome: 'used' };
    return { outcome: 'done', accountId: link.account_id };
  }

  /** Confirms an address with the link mailed at sign-up. */
  async confirmEmail(token: string): Promise<LinkOutcome> {
    return this.deps.uow.run(async (stores) => {
      const { outcome, accountId } = await this.useLink(stores, token, 'confirm-email');
      if (accountId) await stores.identity.confirmEmail(accountId, this.now().toISOString());
      return outcome;
    });
  }

  /** Whether a reset link still works (the form is shown only then). */
  async linkState(token: string, purpose: 'reset-password'): Promise<LinkOutcome> {
    const link = await this.deps.uow.read.portal.findLink(hashToken(token), purpose);
    if (!link) return 'unknown';
    if (link.used_at !== null) return 'used';
    if (link.expires_at <= this.now().toISOString()) return 'expired';
    return 'done';
  }

  /** Checks credentials for the portal: the account, or why not. */
  async signIn(
    email: string,
    password: string,
  ): Promise<{ account: Account } | { refused: SignInRefusal }> {
    const account = await this.deps.identity.authenticate(email, password);
    if (!account) return { refused: 'badCredentials' };
    if (account.role === 'owner' || account.role === 'installer')
      return { refused: 'dashboardAccount' };
    if (!account.emailConfirmed) {
      await this.deps.uow.run((stores) => this.resendConfirmation(stores, account));
      return { refused: 'notConfirmed' };
    }
    return { account };
  }

  /** Opens a browser session for an account; the cookie's value. */
  async openSession(accountId: string): Promise<string> {
    const token = newToken();
    const now = this.now();
    await this.deps.uow.read.portal.insertSession(
      hashToken(token),
      accountId,
      now.toISOString(),
      new Date(now.getTime() + this.deps.sessionTtlSeconds * 1000).toISOString(),
    );
    return token;
  }

  /** The enabled, confirmed account of a session cookie, if it is live. */
  async sessionAccount(token: string | undefined): Promise<Account | undefined> {
    if (!token || token.length > 100) return undefined;
    const row = await this.deps.uow.read.portal.findSessionAccount(
      hashToken(token),
      this.now().toISOString(),
    );
    if (!row || row.enabled !== 1 || row.email_confirmed_at === null) return undefined;
    return toAccount(row);
  }

  async closeSession(token: string | undefined): Promise<void> {
    if (token) await this.deps.uow.read.portal.deleteSession(hashToken(token));
  }

  /** Mails a password reset link when the address has an enabled account; silent otherwise. */
  async requestPasswordReset(emailInput: string | undefined): Promise<{ email: string }> {
    const problems: FieldProblem[] = [];
    const email = checkEmail(problems, emailInput);
    if (problems.length > 0) throw new FormRejected(problems);
    await this.deps.uow.run(async (stores) => {
      const row = await stores.identity.findAccountByEmail(email);
      if (!row || row.enabled !== 1) return;
      const { token, expiresAt } = await this.issueLink(stores, row.id, 'reset-password');
      await stores.mail.enqueue({
        kind: 'passwordReset',
        to: row.email,
        culture: mailCulture(row.culture),
        link: this.url(`/password/reset/${token}`),
        expirationDate: expiresAt,
      });
    });
    return { email };
  }

  /**
   * Sets a new password with a reset link: every session of the account ends, and the address
   * counts as confirmed (the link reached it).
   */
  async resetPassword(token: string, password: string | undefined): Promise<LinkOutcome> {
    const problems: FieldProblem[] = [];
    const checked = checkPassword(problems, 'password', password);
    if (problems.length > 0) throw new FormRejected(problems);
    const passwordHash = await hashPassword(checked);
    return this.deps.uow.run(async (stores) => {
      const { outcome, accountId } = await this.useLink(stores, token, 'reset-password');
      if (!accountId) return outcome;
      const at = this.now().toISOString();
      await stores.identity.setPasswordHash(accountId, passwordHash, at);
      await stores.identity.confirmEmail(accountId, at);
      await stores.portal.deleteSessionsOf(accountId);
      return outcome;
    });
  }

  /** The products partners may subscribe to. */
  async products() {
    const rows = await this.deps.uow.read.identity.listProducts();
    return rows.map((p) => ({
      id: p.id,
      name: p.name,
      description: p.description,
      approvalRequired: p.approval_required === 1,
    }));
  }

  /**
   * Subscribes a developer to a product: pending, and the administrators mailed, when the
   * product needs approval; approved at once otherwise.
   */
  async subscribe(
    account: Account,
    productId: string,
    nameInput: string | undefined,
  ): Promise<'pending' | 'approved'> {
    const problems: FieldProblem[] = [];
    const name = requiredText(problems, 'name', nameInput);
    if (problems.length > 0) throw new FormRejected(problems);
    const product = await this.deps.uow.read.identity.findProduct(productId);
    if (!product) throw new PortalRefusal('notFound');
    const state = product.approval_required === 1 ? 'pending' : 'approved';
    const at = this.now().toISOString();
    await this.deps.uow.run(async (stores) => {
      await stores.identity.insertSubscription({
        id: randomUUID(),
        account_id: account.accountId,
        product_id: productId,
        name,
        state,
        created_at: at,
        updated_at: at,
        decision_reason: null,
      });
      if (state === 'approved') return;
      for (const admin of await stores.identity.listAdmins()) {
        await stores.mail.enqueue({
          kind: 'subscriptionRequested',
          to: admin.email,
          culture: mailCulture(admin.culture),
          developerName: fullName(account.firstName, account.lastName),
          developerEmail: account.email,
          subscriptionName: name,
          productName: product.name,
          link: this.url('/admin/subscriptions'),
        });
      }
    });
    return state;
  }

  /** A developer's subscriptions with the hints of their live keys. */
  async subscriptionsOf(account: Account): Promise<ProfileSubscription[]> {
    const { identity } = this.deps.uow.read;
    const rows = await identity.subscriptionsOf(account.accountId);
    const hints = await identity.liveKeyHints(rows.map((r) => r.id));
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      productName: row.product_name,
      state: row.state,
      createdAt: row.created_at,
      decisionReason: row.decision_reason,
      keys: (['primary', 'secondary'] as const).map((slot) => ({
        slot,
        hint: hints.find((h) => h.subscription_id === row.id && h.slot === slot)?.key_hint ?? null,
      })),
    }));
  }

  private async ownSubscription(account: Account, subscriptionId: string) {
    const row = await this.deps.uow.read.identity.findSubscription(subscriptionId);
    if (!row || row.account_id !== account.accountId) throw new PortalRefusal('notFound');
    return row;
  }

  async renameSubscription(account: Account, subscriptionId: string, nameInput?: string) {
    const problems: FieldProblem[] = [];
    const name = requiredText(problems, 'name', nameInput);
    await this.ownSubscription(account, subscriptionId);
    if (problems.length > 0) throw new FormRejected(problems);
    await this.deps.uow.read.identity.renameSubscription(
      subscriptionId,
      name,
      this.now().toISOString(),
    );
  }

  /** A new key in a slot of an approved subscription, returned once; the old one stops. */
  async regenerateKey(
    account: Account,
    subscriptionId: string,
    slot: 'primary' | 'secondary',
  ): Promise<string> {
    const row = await this.ownSubscription(account, subscriptionId);
    if (row.state !== 'approved') throw new PortalRefusal('forbidden');
    return this.deps.identity.regenerateKey(subscriptionId, slot);
  }

  /** The OAuth clients a developer registered. */
  async clientsOf(account: Account): Promise<DeveloperClient[]> {
    const rows = await this.deps.uow.read.identity.clientsOf(account.accountId);
    return rows.map((row) => {
      const metadata = JSON.parse(row.metadata) as {
        redirect_uris?: string[];
        token_endpoint_auth_method?: string;
      };
      return {
        clientId: row.client_id,
        name: row.name,
        redirectUris: metadata.redirect_uris ?? [],
        type: metadata.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
        createdAt: row.created_at,
      };
    });
  }

  /**
   * Registers an OAuth client for a developer's app: public (PKCE, no secret) or confidential
   * (a secret, returned here once and stored hashed).
   */
  async registerClient(
    account: Account,
    input: { name?: string; redirectUris?: string; type?: string },
  ): Promise<{ clientId: string; secret: string | null }> {
    const problems: FieldProblem[] = [];
    const name = requiredText(problems, 'clientName', input.name);
    const uris = (input.redirectUris ?? '')
      .split(/\s+/)
      .map((uri) => uri.trim())
      .filter(Boolean);
    if (uris.length === 0) problems.push({ field: 'redirectUris', problem: 'required' });
    else if (uris.length > 10 || uris.some((uri) => uri.length > 500 || !isRedirectUri(uri)))
      problems.push({ field: 'redirectUris', problem: 'invalidRedirectUri' });
    if (problems.length > 0) throw new FormRejected(problems);
    const secret = input.type === 'confidential' ? randomBytes(32).toString('base64url') : null;
    const client = await this.deps.registerClient({
      name,
      redirectUris: uris,
      ownerAccountId: account.accountId,
      ...(secret ? { secret } : {}),
    });
    return { clientId: client.client_id, secret };
  }

  /** Deletes one of a developer's clients: its apps can no longer sign people in. */
  async deleteClient(account: Account, clientId: string): Promise<void> {
    if (!(await this.deps.uow.read.identity.deleteClientOf(account.accountId, clientId)))
      throw new PortalRefusal('notFound');
  }

  /** The administrator's queue: pending subscriptions, and the latest decided ones. */
  async subscriptionQueue() {
    const { identity } = this.deps.uow.read;
    const [pending, decided] = await Promise.all([
      identity.subscriptionsIn('pending', 200),
      identity.decidedSubscriptions(20),
    ]);
    return { pending, decided };
  }

  /** An administrator approves or rejects a pending subscription; its developer is mailed. */
  async decide(
    subscriptionId: string,
    decision: 'approved' | 'rejected',
    reasonInput?: string,
  ): Promise<{ name: string }> {
    const reason = decision === 'rejected' ? (reasonInput ?? '').trim().slice(0, 500) : '';
    const decided = await this.deps.uow.run(async (stores) => {
      const row = await stores.identity.findSubscription(subscriptionId);
      if (!row) throw new PortalRefusal('notFound');
      const decided = await stores.identity.decideSubscription(
        subscriptionId,
        decision,
        reason || null,
        this.now().toISOString(),
      );
      if (!decided) throw new PortalRefusal('alreadyDecided');
      const common = {
        to: row.account_email,
        culture: mailCulture(row.account_culture),
        subscriptionName: row.name,
        productName: row.product_name,
      };
      await stores.mail.enqueue(
        decision === 'approved'
          ? { kind: 'subscriptionApproved', ...common, link: this.url('/profile') }
          : { kind: 'subscriptionRejected', ...common, reason, link: this.url('/products') },
      );
      return { name: row.name, developerId: row.account_id };
    });
    if (decision === 'approved' && this.approvedListeners.size > 0) {
      const developer = await this.deps.identity.findAccount(decided.developerId);
      if (developer)
        for (const listener of this.approvedListeners) listener(subscriptionId, developer);
    }
    return { name: decided.name };
  }

  /** A developer's approved subscription (what the API reference's try-it calls with). */
  async approvedSubscription(account: Account, subscriptionId: string) {
    const row = await this.ownSubscription(account, subscriptionId);
    if (row.state !== 'approved') throw new PortalRefusal('forbidden');
    return { id: row.id, name: row.name };
  }

  /** Accounts for the administrators, newest first. */
  async accounts(): Promise<Account[]> {
    const rows = await this.deps.uow.read.identity.listAccounts(500);
    return rows.map(toAccount);
  }

  /** An administrator disables or enables an account (never their own); disabling signs it out. */
  async setAccountEnabled(admin: Account, accountId: string, enabled: boolean): Promise<void> {
    if (accountId === admin.accountId) throw new PortalRefusal('self');
    await this.deps.uow.run(async (stores) => {
      const at = this.now().toISOString();
      if (!(await stores.identity.setAccountEnabled(accountId, enabled, at)))
        throw new PortalRefusal('notFound');
      if (!enabled) await stores.portal.deleteSessionsOf(accountId);
    });
  }
}

/** The mail culture of an account's culture (en-GB when it is not one the mails speak). */
function mailCulture(culture: string): 'en-GB' | 'fr-FR' | 'de-DE' {
  return culture === 'fr-FR' || culture === 'de-DE' ? culture : 'en-GB';
}
