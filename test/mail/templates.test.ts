import { describe, expect, it } from 'vitest';
import {
  MAIL_CULTURES,
  mailCultureOf,
  renderMail,
  type MailCulture,
  type MailMessage,
} from '../../src/mail/index.js';

const ERROR_CODES = [1, 2, 3, 4, 5, 6, 9, 130, 133, 400];

/** One message of each kind and variant, in a culture. */
function messages(culture: MailCulture): MailMessage[] {
  const common = { to: 'someone@example.com', culture, installationName: 'Maison du lac' };
  return [
    {
      ...common,
      kind: 'invitation',
      inviterName: 'Alice Martin',
      activationCode: 'Zx9-code_123',
      link: 'https://witty.example/invitations/Zx9-code_123',
      expirationDate: '2026-12-10T23:30:00.000Z',
    },
    {
      ...common,
      kind: 'invitation',
      inviterName: '',
      activationCode: 'Zx9-code_123',
      link: 'https://witty.example/invitations/Zx9-code_123',
      expirationDate: '2026-12-10T23:30:00.000Z',
    },
    {
      ...common,
      kind: 'invitationAccepted',
      installerName: 'Bruno Keller',
      installerEmail: 'bruno@installer.example',
    },
    { ...common, kind: 'invitationAccepted', installerName: '', installerEmail: 'b@i.example' },
    {
      ...common,
      kind: 'installerRemoved',
      installerName: ' ',
      installerEmail: 'bruno@installer.example',
    },
    ...ERROR_CODES.flatMap((code) =>
      (['raised', 'cleared'] as const).map((state): MailMessage => ({
        ...common,
        kind: 'stationError',
        stationName: 'Garage',
        state,
        code,
        at: '2026-12-03T22:15:00.000Z',
        timeZone: 'Europe/Paris',
      })),
    ),
  ];
}

describe('mail templates', () => {
  it.each(MAIL_CULTURES)('every message renders whole, in %s, in text and HTML', (culture) => {
    const lang = culture.slice(0, 2);
    const subjects = new Set<string>();
    for (const message of messages(culture)) {
      const mail = renderMail(message);
      subjects.add(mail.subject);
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        // No hole where an empty name was: no double space, no "( )", no space before a comma.
        expect(part).not.toMatch(/\S {2}\S|\( *\)| ,|“ ”|« »|„ “/);
      }
      expect(mail.html).toContain(`<html lang="${culture}">`);
      expect(mail.text).toContain(message.installationName);
      expect(mail.text.length).toBeGreaterThan(100);
      if (message.kind === 'stationError') expect(mail.text).toContain('Garage');
      if (lang !== 'en') expect(mail.text).not.toMatch(/\b(Hello|The Witty-Home team)\b/);
    }
    // Each variant has its own subject.
    expect(subjects.size).toBe(messages(culture).length);
  });

  it('the invitation carries the code and the link in both parts', () => {
    for (const culture of MAIL_CULTURES) {
      const [message] = messages(culture);
      const mail = renderMail(message!);
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain('Zx9-code_123');
        expect(part).toContain('https://witty.example/invitations/Zx9-code_123');
      }
      expect(mail.html).toContain('href="https://witty.example/invitations/Zx9-code_123"');
    }
  });

  it.each([
    ['en-GB', 'Alice Martin has invited you', 'You are invited', '11 December 2026 at 00:30'],
    ['fr-FR', 'Alice Martin vous invite', 'Invitation à suivre', '11 décembre 2026 à 00:30'],
    ['de-DE', 'Alice Martin lädt Sie ein', 'Einladung zur Betreuung', '11. Dezember 2026 um 00:30'],
  ] as const)(
    'in %s the inviter is named when known, and the expiry is a Paris date',
    (culture, named, anonymous, date) => {
      const [withName, withoutName] = messages(culture).map(renderMail);
      expect(withName!.subject).toContain(named);
      expect(withoutName!.subject).toContain(anonymous);
      // 23:30 UTC on the 10th is 00:30 on the 11th in Paris.
      expect(withName!.text).toContain(date);
    },
  );

  it('an installer without a name is named by address, with a name by both', () => {
    const [, , named, unnamed, removed] = messages('en-GB').map(renderMail);
    expect(named!.text).toContain('Bruno Keller (bruno@installer.example) has accepted');
    expect(unnamed!.text).toContain('b@i.example has accepted');
    expect(removed!.subject).toBe(
      'bruno@installer.example no longer has access to “Maison du lac”',
    );
  });

  it('HTML escapes what users typed; the text part keeps it as typed', () => {
    const mail = renderMail({
      kind: 'invitationAccepted',
      to: 'o@example.com',
      culture: 'fr-FR',
      installationName: '<script>alert("x")</script> & Co',
      installerName: '<img src=x onerror=alert(1)>',
      installerEmail: 'i@example.com',
    });
    expect(mail.html).not.toMatch(/<script|<img/);
    expect(mail.html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; Co');
    expect(mail.text).toContain('<script>alert("x")</script> & Co');
  });

  it('station errors: Offline reads as offline and back online; others name the guide code', () => {
    const at = '2026-07-01T12:00:00.000Z';
    const alert = (culture: MailCulture, code: number, state: 'raised' | 'cleared') =>
      renderMail({
        kind: 'stationError',
        to: 'o@example.com',
        culture,
        installationName: 'Home',
        stationName: 'Garage',
        state,
        code,
        at,
        timeZone: 'Europe/London',
      });
    expect(alert('en-GB', 400, 'raised').subject).toBe('Your charging station “Garage” is offline');
    expect(alert('en-GB', 400, 'cleared').subject).toBe(
      'Your charging station “Garage” is back online',
    );
    expect(alert('fr-FR', 400, 'raised').subject).toBe(
      'Votre borne de recharge «\u00a0Garage\u00a0» est hors ligne',
    );
    expect(alert('de-DE', 400, 'cleared').subject).toBe(
      'Ihre Ladestation „Garage“ ist wieder online',
    );
    const raised = alert('en-GB', 5, 'raised');
    expect(raised.subject).toBe(
      'Your charging station “Garage” reports an error: Load shedding fault',
    );
    expect(raised.text).toContain('code 5 LoadSheddingFailure');
    // Summer time in London: 12:00 UTC is 13:00.
    expect(raised.text).toContain('1 July 2026 at 13:00');
    expect(alert('de-DE', 5, 'raised').text).toContain('Code 5 LoadSheddingFailure');
    expect(alert('fr-FR', 5, 'cleared').text).toContain('ne signale plus l’erreur');
    // A code outside the guide's list still reads.
    expect(alert('en-GB', 77, 'raised').subject).toBe(
      'Your charging station “Garage” reports an error: Error 77',
    );
  });

  it.each([
    ['fr-fr', 'fr-FR'],
    ['de-de', 'de-DE'],
    ['en-gb', 'en-GB'],
    ['FR-FR', 'fr-FR'],
    ['it-it', 'en-GB'],
    ['', 'en-GB'],
  ])("a station's culture %j mails in %s", (culture, expected) => {
    expect(mailCultureOf(culture)).toBe(expected);
  });
});
