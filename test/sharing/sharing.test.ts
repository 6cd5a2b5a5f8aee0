import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import {
  createTestApp,
  describeEachDialect,
  guideExample,
  RecordingMailer,
  type TestApp,
} from '../helpers/test-app.js';

const TTL_SECONDS = 600;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type User = Awaited<ReturnType<TestApp['user']>>;

describeEachDialect('sharing an installation with an installer', (dialect) => {
  let t: TestApp;
  let mailer: RecordingMailer;
  let owner: User;
  let home: Awaited<ReturnType<typeof aHome>>;
  let base: string;

  beforeAll(async () => {
    mailer = new RecordingMailer();
    t = await createTestApp(
      dialect,
      { WITTY_INVITATION_TTL_SECONDS: String(TTL_SECONDS), PUBLIC_URL: 'https://witty.example' },
      { sharingMailer: mailer },
    );
    owner = await t.user('owner', undefined, { firstName: 'Alice', lastName: 'Martin' });
    home = await aHome(t, owner.token, { serialNumber: 'SHARING00000001' });
    base = `/v1/installations/${home.installationId}`;
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.clock.set(new Date());
    mailer.sent.length = 0;
  });

  const invite = (email: string, cultureCode = 'fr-FR', token = owner.token) =>
    t.api('POST', `${base}/invitations`, { token, body: { email, cultureCode } });
  const accept = (code: string, token: string) =>
    t.api('POST', `/v1/invitations/operators/accept/${code}`, { token });
  /** Invites an address and returns the activation code of the mail. */
  const codeFor = async (email: string, cultureCode = 'fr-FR') => {
    const response = await invite(email, cultureCode);
    expect(response.statusCode).toBe(201);
    const mail = mailer.of('invitation').at(-1)!;
    expect(mail.to).toBe(email);
    return mail.activationCode;
  };
  const users = async () =>
    (await t.api('GET', `${base}/users`, { token: owner.token })).json<
      { accountId: string; authorizationGroups: string[]; enabled: boolean }[]
    >();

  describe('invitations', () => {
    it('the guide request answers 201 with the invitation status model, and mails the code and link', async () => {
      const request = guideExample<{ email: string; cultureCode: string }>(
        '05-invitation-create-request.json',
      );
      const response = await invite(request.email, request.cultureCode);
      expect(response.statusCode).toBe(201);
      const status = response.json();
      expect(Object.keys(status).sort()).toEqual(
        Object.keys(guideExample<object>('06-invitation-status.json')).sort(),
      );
      const expected = new Date(t.clock.now().getTime() + TTL_SECONDS * 1000);
      expect(status).toMatchObject({
        email: 'myinstaller@example.com',
        installationName: 'Maison',
        installationId: home.installationId,
      });
      expect(Math.abs(new Date(status.expirationDate).getTime() - expected.getTime())).toBeLessThan(
        5000,
      );
      const [mail] = mailer.of('invitation');
      expect(mail).toMatchObject({
        to: 'myinstaller@example.com',
        culture: 'fr-FR',
        installationName: 'Maison',
        inviterName: 'Alice Martin',
        expirationDate: status.expirationDate,
      });
      // 256 random bits, URL-safe, in a link under PUBLIC_URL.
      expect(mail!.activationCode).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(mail!.link).toBe(`https://witty.example/invitations/${mail!.activationCode}`);
      // The answer never carries the code; the store keeps only its SHA-256.
      expect(response.body).not.toContain(mail!.activationCode);
      const rows = await t.app.platform.store.db
        .selectFrom('invitations')
        .selectAll()
        .where('email', '=', 'myinstaller@example.com')
        .execute();
      expect(JSON.stringify(rows)).not.toContain(mail!.activationCode);
      expect(rows.map((r) => r.code_hash)).toContain(
        createHash('sha256').update(mail!.activationCode).digest('hex'),
      );
    });

    it.each(['en-GB', 'fr-FR', 'de-DE'])('the mail is in the cultureCode %s', async (culture) => {
      await invite(`culture-${culture.toLowerCase()}@example.com`, culture);
      expect(mailer.of('invitation').map((m) => m.culture)).toEqual([culture]);
    });

    it('GET lists the pending invitations in the guide model', async () => {
      await invite('listed@example.com', 'de-DE');
      const listed = await t.api('GET', `${base}/invitations`, { token: owner.token });
      expect(listed.statusCode).toBe(200);
      const entry = listed.json().find((i: { email: string }) => i.email === 'listed@example.com');
      expect(entry).toEqual({
        email: 'listed@example.com',
        installationName: 'Maison',
        installationId: home.installationId,
        expirationDate: expect.any(String),
      });
    });

    it('inviting again replaces the pending invitation: one entry, the old code dead, the new one works', async () => {
      const installer = await t.user('installer');
      const first = await codeFor('again@example.com');
      t.clock.advance(60_000);
      const second = await codeFor('again@example.com', 'en-GB');
      expect(second).not.toBe(first);
      const pending = (await t.api('GET', `${base}/invitations`, { token: owner.token }))
        .json()
        .filter((i: { email: string }) => i.email === 'again@example.com');
      expect(pending).toHaveLength(1);
      const old = await accept(first, installer.token);
      expect(old.statusCode).toBe(410);
      expect(old.json().code).toBe('INVITATION_CANCELLED');
      expect((await accept(second, installer.token)).statusCode).toBe(200);
    });

    it('invitations of one address sent at once: every one 201, one pending, only the last code mailed works', async () => {
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => invite('racing@example.com')),
      );
      expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
      const pending = await t.app.platform.store.db
        .selectFrom('invitations')
        .select('code_hash')
        .where('email', '=', 'racing@example.com')
        .where('state', '=', 'pending')
        .execute();
      expect(pending).toHaveLength(1);
      const codes = mailer.of('invitation').map((m) => m.activationCode);
      const working = codes.filter(
        (code) => createHash('sha256').update(code).digest('hex') === pending[0]!.code_hash,
      );
      expect(working).toHaveLength(1);
    });

    it('DELETE cancels: 204, the invitation leaves the list and its code answers 410 INVITATION_CANCELLED', async () => {
      const installer = await t.user('installer');
      const code = await codeFor('cancelled@example.com');
      const deleted = await t.api('DELETE', `${base}/invitations/Cancelled@Example.com`, {
        token: owner.token,
      });
      expect(deleted.statusCode).toBe(204);
      const listed = (await t.api('GET', `${base}/invitations`, { token: owner.token })).json();
      expect(listed.map((i: { email: string }) => i.email)).not.toContain('cancelled@example.com');
      const refused = await accept(code, installer.token);
      expect(refused.statusCode).toBe(410);
      expect(refused.json().code).toBe('INVITATION_CANCELLED');
      const again = await t.api('DELETE', `${base}/invitations/cancelled@example.com`, {
        token: owner.token,
      });
      expect(again.statusCode).toBe(404);
      expect(again.json().code).toBe('INVITATION_NOT_FOUND');
    });

    it.each([
      [{ email: 'x@example.com', cultureCode: 'fr-fr' }, 'cultureCode'],
      [{ email: 'x@example.com', cultureCode: 'es-ES' }, 'cultureCode'],
      [{ email: 'not an address', cultureCode: 'fr-FR' }, 'email'],
      [{ email: 'x@example.com' }, 'cultureCode'],
      [{ cultureCode: 'fr-FR' }, 'email'],
      [{ email: 'x@example.com', cultureCode: 'fr-FR', role: 'owner' }, 'role'],
    ])('POST %j → 400 VALIDATION_FAILED on %s', async (body, field) => {
      const response = await t.api('POST', `${base}/invitations`, { token: owner.token, body });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
      expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(mailer.sent).toEqual([]);
    });

    it('DELETE with something that is not an address → 400', async () => {
      const response = await t.api('DELETE', `${base}/invitations/nobody`, { token: owner.token });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    });

    it.each([
      ['POST', '/v1/installations/999999/invitations'],
      ['GET', '/v1/installations/999999/invitations'],
      ['DELETE', '/v1/installations/999999/invitations/x@example.com'],
      ['GET', '/v1/installations/999999/users'],
    ] as const)('%s %s → 404 INSTALLATION_NOT_FOUND', async (method, url) => {
      const response = await t.api(method, url, {
        token: owner.token,
        body: method === 'POST' ? { email: 'x@example.com', cultureCode: 'fr-FR' } : undefined,
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('INSTALLATION_NOT_FOUND');
    });

    it("inviting the owner's own address → 409 ALREADY_A_USER, no mail", async () => {
      const response = await invite(owner.account.email.toUpperCase());
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('ALREADY_A_USER');
      expect(mailer.sent).toEqual([]);
    });
  });

  describe('accepting', () => {
    it('an installer accepts: 200 with the invitation, an active installer, the owner told in the invitation culture', async () => {
      const installer = await t.user('installer', 'bob@example.com', {
        firstName: 'Bob',
        lastName: 'Durand',
      });
      const code = await codeFor('bob@example.com', 'de-DE');
      const response = await accept(code, installer.token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        email: 'bob@example.com',
        installationName: 'Maison',
        installationId: home.installationId,
      });
      expect(mailer.of('invitationAccepted')).toEqual([
        {
          kind: 'invitationAccepted',
          to: owner.account.email,
          culture: 'de-DE',
          installationName: 'Maison',
          installerName: 'Bob Durand',
          installerEmail: 'bob@example.com',
        },
      ]);
      // The installer now reads the installation and its station.
      const list = await t.api('GET', '/v1/installations', { token: installer.token });
      expect(list.json().map((i: { installationId: number }) => i.installationId)).toEqual([
        home.installationId,
      ]);
      expect((await t.api('GET', home.stationPath, { token: installer.token })).statusCode).toBe(
        200,
      );
      const listed = (await users()).find((u) => u.accountId === installer.account.accountId);
      expect(listed).toEqual({
        accountId: installer.account.accountId,
        accountFirstName: 'Bob',
        accountLastName: 'Durand',
        accountEmail: 'bob@example.com',
        authorizationGroups: ['installerActive'],
        roleCode: 'installer',
        enabled: true,
      });
      // Used once: a second acceptance is refused, and the invitation is no longer pending.
      const reused = await accept(code, installer.token);
      expect(reused.statusCode).toBe(410);
      expect(reused.json().code).toBe('INVITATION_USED');
      const pending = (await t.api('GET', `${base}/invitations`, { token: owner.token })).json();
      expect(pending.map((i: { email: string }) => i.email)).not.toContain('bob@example.com');
    });

    it('one code accepted twice at once: one 200, one 410 INVITATION_USED', async () => {
      const installer = await t.user('installer');
      const code = await codeFor('twice@example.com');
      const answers = await Promise.all([
        accept(code, installer.token),
        accept(code, installer.token),
      ]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 410]);
      expect(answers.find((a) => a.statusCode === 410)!.json().code).toBe('INVITATION_USED');
      expect(mailer.of('invitationAccepted')).toHaveLength(1);
    });

    it('an installer whose account has another address may accept; the address used is recorded', async () => {
      const installer = await t.user('installer', 'carol.work@example.com');
      const code = await codeFor('carol.home@example.com');
      expect((await accept(code, installer.token)).statusCode).toBe(200);
      const row = await t.app.platform.store.db
        .selectFrom('invitations')
        .selectAll()
        .where('email', '=', 'carol.home@example.com')
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        state: 'accepted',
        accepted_by: installer.account.accountId,
        accepted_email: 'carol.work@example.com',
      });
      expect(mailer.of('invitationAccepted')[0]?.installerEmail).toBe('carol.work@example.com');
    });

    it('an owner account → 403 INSTALLER_ACCOUNT_REQUIRED, and the code still works for the installer', async () => {
      const otherOwner = await t.user('owner');
      const code = await codeFor('dave@example.com');
      for (const token of [owner.token, otherOwner.token]) {
        const refused = await accept(code, token);
        expect(refused.statusCode).toBe(403);
        expect(refused.json()).toMatchObject({
          code: 'INSTALLER_ACCOUNT_REQUIRED',
          detail: 'This route only works with an installer account.',
        });
      }
      const installer = await t.user('installer');
      expect((await accept(code, installer.token)).statusCode).toBe(200);
    });

    it('an unknown code → 404 INVITATION_NOT_FOUND; a code with other characters → 400', async () => {
      const installer = await t.user('installer');
      const unknown = await accept('A'.repeat(43), installer.token);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('INVITATION_NOT_FOUND');
      const malformed = await accept('not%20a%20code', installer.token);
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().code).toBe('VALIDATION_FAILED');
    });

    it('an expired code → 410 INVITATION_EXPIRED, and the invitation leaves the pending list', async () => {
      const installer = await t.user('installer');
      const code = await codeFor('late@example.com');
      t.clock.advance(TTL_SECONDS * 1000 + 1000);
      const refused = await accept(code, installer.token);
      expect(refused.statusCode).toBe(410);
      expect(refused.json().code).toBe('INVITATION_EXPIRED');
      const pending = (await t.api('GET', `${base}/invitations`, { token: owner.token })).json();
      expect(pending.map((i: { email: string }) => i.email)).not.toContain('late@example.com');
    });

    it('an active installer accepting another invitation to the same installation stays as they are', async () => {
      const installer = await t.user('installer', 'erin@example.com');
      expect((await accept(await codeFor('erin@example.com'), installer.token)).statusCode).toBe(
        200,
      );
      const again = await accept(await codeFor('erin.other@example.com'), installer.token);
      expect(again.statusCode).toBe(200);
      expect((await users()).filter((u) => u.accountId === installer.account.accountId)).toEqual([
        expect.objectContaining({ authorizationGroups: ['installerActive'] }),
      ]);
      // Inviting their own address again is refused.
      const refused = await invite('erin@example.com');
      expect(refused.statusCode).toBe(409);
      expect(refused.json().code).toBe('ALREADY_A_USER');
    });
  });

  describe('the page behind the link', () => {
    it('tells what the invitation is, without using the code; then says it was accepted', async () => {
      const installer = await t.user('installer');
      const code = await codeFor('page@example.com');
      const link = new URL(mailer.of('invitation').at(-1)!.link);
      for (let i = 0; i < 2; i++) {
        const opened = await t.app.inject(link.pathname);
        expect(opened.statusCode).toBe(200);
        expect(opened.headers['content-type']).toMatch(/^text\/html/);
        expect(opened.headers['cache-control']).toBe('no-store');
        expect(opened.body).toContain('Maison');
        expect(opened.body).toContain(code);
      }
      expect((await accept(code, installer.token)).statusCode).toBe(200);
      const used = await t.app.inject(link.pathname);
      expect(used.statusCode).toBe(410);
      expect(used.body).toContain('already been accepted');
      expect(used.body).not.toContain('Maison');
    });

    it('an unknown code → 404 page; a malformed one → 400', async () => {
      const unknown = await t.app.inject(`/invitations/${'B'.repeat(43)}`);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.headers['content-type']).toMatch(/^text\/html/);
      expect((await t.app.inject('/invitations/%3Cscript%3E')).statusCode).toBe(400);
    });
  });

  describe('installation users', () => {
    let installer: User;
    beforeAll(async () => {
      installer = await t.user('installer', 'frank@example.com');
      const response = await t.api('POST', `${base}/invitations`, {
        token: owner.token,
        body: { email: 'frank@example.com', cultureCode: 'en-GB' },
      });
      expect(response.statusCode).toBe(201);
      const code = mailer.of('invitation').at(-1)!.activationCode;
      expect((await accept(code, installer.token)).statusCode).toBe(200);
    });
    const userPath = (accountId: string) => `${base}/users/${accountId}`;
    const as = (token: string, path: string) => t.api('GET', path, { token });

    it('the owner comes first, with ownerActive', async () => {
      const [first, ...others] = await users();
      expect(first).toEqual({
        accountId: owner.account.accountId,
        accountFirstName: 'Alice',
        accountLastName: 'Martin',
        accountEmail: owner.account.email,
        authorizationGroups: ['ownerActive'],
        roleCode: 'owner',
        enabled: true,
      });
      expect(others.length).toBeGreaterThan(0);
      for (const user of [first!, ...others]) expect(user.accountId).toMatch(GUID);
    });

    it('disable → 204 and the installer sees nothing (404, an empty list); enable → back', async () => {
      const disabled = await t.api(
        'POST',
        `${userPath(installer.account.accountId)}/operators/disable`,
        {
          token: owner.token,
        },
      );
      expect(disabled.statusCode).toBe(204);
      for (const path of [
        base,
        home.stationPath,
        `${base}/charging-stations`,
        `${base}/grid-meters`,
      ]) {
        const hidden = await as(installer.token, path);
        expect(hidden.statusCode).toBe(404);
        expect(hidden.json().code).toBe('INSTALLATION_NOT_FOUND');
      }
      expect((await as(installer.token, '/v1/installations')).json()).toEqual([]);
      expect(
        (await users()).find((u) => u.accountId === installer.account.accountId),
      ).toMatchObject({ authorizationGroups: ['installerInactive'], enabled: false });

      // A disabled installer cannot come back through another invitation.
      const sneaky = await accept(await codeFor('frank.other@example.com'), installer.token);
      expect(sneaky.statusCode).toBe(409);
      expect(sneaky.json().code).toBe('INSTALLER_DISABLED');

      const enabled = await t.api(
        'POST',
        `${userPath(installer.account.accountId)}/operators/enable`,
        {
          token: owner.token,
        },
      );
      expect(enabled.statusCode).toBe(204);
      expect((await as(installer.token, base)).statusCode).toBe(200);
      expect((await as(installer.token, home.stationPath)).statusCode).toBe(200);
    });

    it('the owner cannot disable or remove themself: 409 OWNER_ACCESS_FIXED', async () => {
      for (const [method, path] of [
        ['POST', `${userPath(owner.account.accountId)}/operators/disable`],
        ['POST', `${userPath(owner.account.accountId)}/operators/enable`],
        ['DELETE', userPath(owner.account.accountId)],
      ] as const) {
        const response = await t.api(method, path, { token: owner.token });
        expect(response.statusCode).toBe(409);
        expect(response.json().code).toBe('OWNER_ACCESS_FIXED');
      }
      expect((await as(owner.token, base)).statusCode).toBe(200);
    });

    it.each([
      ['POST', '/operators/disable'],
      ['POST', '/operators/enable'],
      ['DELETE', ''],
    ] as const)(
      '%s …/users/{accountId}%s: unknown account 404 USER_NOT_FOUND, not a GUID 400',
      async (method, suffix) => {
        const unknown = await t.api(
          method,
          `${userPath('00000000-0000-4000-8000-000000000000')}${suffix}`,
          { token: owner.token },
        );
        expect(unknown.statusCode).toBe(404);
        expect(unknown.json().code).toBe('USER_NOT_FOUND');
        const malformed = await t.api(method, `${userPath('not-a-guid')}${suffix}`, {
          token: owner.token,
        });
        expect(malformed.statusCode).toBe(400);
        expect(malformed.json().code).toBe('VALIDATION_FAILED');
      },
    );

    it('an installer manages no users and no invitations: 403 INSTALLATION_ACCESS_DENIED', async () => {
      for (const [method, path, body] of [
        ['GET', `${base}/users`, undefined],
        ['POST', `${userPath(owner.account.accountId)}/operators/disable`, undefined],
        ['DELETE', userPath(installer.account.accountId), undefined],
        ['GET', `${base}/invitations`, undefined],
        ['POST', `${base}/invitations`, { email: 'x@example.com', cultureCode: 'fr-FR' }],
      ] as const) {
        const response = await t.api(method, path, { token: installer.token, body });
        expect(response.statusCode).toBe(403);
        expect(response.json().code).toBe('INSTALLATION_ACCESS_DENIED');
      }
      expect(mailer.sent).toEqual([]);
    });

    it('DELETE removes the installer for good (404 after), and tells the owner in the culture of the invitation', async () => {
      const removed = await t.api('DELETE', userPath(installer.account.accountId), {
        token: owner.token,
      });
      expect(removed.statusCode).toBe(204);
      expect(mailer.of('installerRemoved')).toEqual([
        {
          kind: 'installerRemoved',
          to: owner.account.email,
          culture: 'en-GB',
          installationName: 'Maison',
          installerName: 'frank@example.com',
          installerEmail: 'frank@example.com',
        },
      ]);
      expect((await as(installer.token, base)).statusCode).toBe(404);
      expect((await users()).map((u) => u.accountId)).not.toContain(installer.account.accountId);
      const again = await t.api('DELETE', userPath(installer.account.accountId), {
        token: owner.token,
      });
      expect(again.statusCode).toBe(404);
      expect(again.json().code).toBe('USER_NOT_FOUND');
    });
  });
});
