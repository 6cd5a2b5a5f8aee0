import { describe, expect, it } from 'vitest';
import {
  MAIL_CULTURES,
  mailCultureOf,
  renderMail,
  type MailCulture,
  type MailKind,
  type MailMessage,
} from '../../src/mail/index.js';

const ERROR_CODES = [1, 2, 3, 4, 5, 6, 9, 130, 133, 400];

/** The developer portal's links; `&` is there to be escaped in HTML. */
const PORTAL_LINKS = {
  confirmation: 'https://portal.example/confirm?token=Qm7-x_9&user=42',
  reset: 'https://portal.example/reset-password?token=Rk2-y_8&user=42',
  pending: 'https://portal.example/admin/subscriptions?state=pending&page=1',
  profile: 'https://portal.example/profile?tab=keys&user=42',
  products: 'https://portal.example/products?sort=name&page=1',
};

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
    ...portalMessages(culture),
  ];
}

/** One message of each developer portal kind and variant, in a culture. */
function portalMessages(culture: MailCulture): MailMessage[] {
  const common = { to: 'dana@dev.example', culture };
  const expirationDate = '2026-12-10T23:30:00.000Z';
  const subscription = { subscriptionName: 'Dana’s meter app', productName: 'Energy data API' };
  return [
    {
      ...common,
      kind: 'accountConfirmation',
      name: 'Dana Lee',
      link: PORTAL_LINKS.confirmation,
      expirationDate,
    },
    {
      ...common,
      kind: 'accountConfirmation',
      name: ' ',
      link: PORTAL_LINKS.confirmation,
      expirationDate,
    },
    { ...common, kind: 'passwordReset', link: PORTAL_LINKS.reset, expirationDate },
    {
      ...common,
      ...subscription,
      kind: 'subscriptionRequested',
      to: 'admin@witty.example',
      developerName: 'Dana Lee',
      developerEmail: 'dana@dev.example',
      link: PORTAL_LINKS.pending,
    },
    {
      ...common,
      ...subscription,
      kind: 'subscriptionRequested',
      to: 'admin@witty.example',
      developerName: '',
      developerEmail: 'd@dev.example',
      link: PORTAL_LINKS.pending,
    },
    { ...common, ...subscription, kind: 'subscriptionApproved', link: PORTAL_LINKS.profile },
    {
      ...common,
      ...subscription,
      kind: 'subscriptionRejected',
      reason: 'Please subscribe with your company address.',
      link: PORTAL_LINKS.products,
    },
    {
      ...common,
      ...subscription,
      kind: 'subscriptionRejected',
      reason: ' ',
      link: PORTAL_LINKS.products,
    },
  ];
}

/** Fields a reader does not see as typed: the envelope, and what a sentence or date tells. */
const NOT_SHOWN_AS_TYPED = new Set([
  'kind',
  'to',
  'culture',
  'state',
  'at',
  'timeZone',
  'expirationDate',
]);

/** Every value a message carries for its reader, which its text must show as typed. */
function valuesShown(message: MailMessage): string[] {
  return Object.entries(message)
    .filter(([field]) => !NOT_SHOWN_AS_TYPED.has(field))
    .flatMap(([, value]) => (typeof value === 'string' && value.trim() !== '' ? [value] : []));
}

/** The variants whose difference is in the body only (a greeting's name, a reason, a name by an address). */
const SAME_SUBJECT_VARIANTS: [MailKind, number][] = [
  ['accountConfirmation', 2],
  ['subscriptionRequested', 2],
  ['subscriptionRejected', 2],
];

/** A portal link as it stands in an HTML attribute: `&` is the only character of theirs escaped. */
const inHtml = (link: string) => link.replaceAll('&', '&#38;');

describe('mail templates', () => {
  it.each(MAIL_CULTURES)('every message renders whole, in %s, in text and HTML', (culture) => {
    const lang = culture.slice(0, 2);
    const kindsBySubject = new Map<string, MailKind[]>();
    for (const message of messages(culture)) {
      const mail = renderMail(message);
      kindsBySubject.set(mail.subject, [...(kindsBySubject.get(mail.subject) ?? []), message.kind]);
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toMatch(/undefined|null|NaN|\[object|\$\{/);
        // No hole where an empty name was: no double space, no "( )", no space before a comma.
        expect(part).not.toMatch(/\S {2}\S|\( *\)| ,|“ ”|« »|„ “/);
      }
      expect(mail.html).toContain(`<html lang="${culture}">`);
      for (const value of valuesShown(message)) expect(mail.text).toContain(value);
      expect(mail.text.length).toBeGreaterThan(100);
      if (lang !== 'en') expect(mail.text).not.toMatch(/\b(Hello|The Witty-Home team)\b/);
    }
    // Each variant has its own subject, but those that differ in the body only.
    const shared = [...kindsBySubject.values()]
      .filter((kinds) => kinds.length > 1)
      .map((kinds): [MailKind, number] => [kinds[0]!, kinds.length]);
    expect(shared).toEqual(SAME_SUBJECT_VARIANTS);
    expect(kindsBySubject.size).toBe(messages(culture).length - SAME_SUBJECT_VARIANTS.length);
  });

  it.each(MAIL_CULTURES)(
    'in %s every link is a plain line of the text part and an href of the HTML part',
    (culture) => {
      const linked = messages(culture).filter(
        (message): message is Extract<MailMessage, { link: string }> => 'link' in message,
      );
      expect(new Set(linked.map((message) => message.kind))).toEqual(
        new Set([
          'invitation',
          'accountConfirmation',
          'passwordReset',
          'subscriptionRequested',
          'subscriptionApproved',
          'subscriptionRejected',
        ]),
      );
      for (const message of linked) {
        const mail = renderMail(message);
        expect(mail.text).toContain(`\n${message.link}\n`);
        expect(mail.html).toContain(`href="${inHtml(message.link)}"`);
        if (message.link.includes('&')) expect(mail.html).not.toContain(message.link);
      }
    },
  );

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

  const TYPED = '<img src=x onerror=alert(1)> & "Co"';
  const TYPED_IN_HTML = '&#60;img src=x onerror=alert(1)&#62; &#38; &#34;Co&#34;';
  const portal = { to: 'dana@dev.example', culture: 'de-DE', link: PORTAL_LINKS.products } as const;
  it.each<MailMessage>([
    { ...portal, kind: 'accountConfirmation', name: TYPED, expirationDate: '2026-12-10T00:00:00Z' },
    {
      ...portal,
      kind: 'subscriptionRequested',
      developerName: TYPED,
      developerEmail: 'dana@dev.example',
      subscriptionName: TYPED,
      productName: TYPED,
    },
    { ...portal, kind: 'subscriptionApproved', subscriptionName: TYPED, productName: TYPED },
    {
      ...portal,
      kind: 'subscriptionRejected',
      subscriptionName: TYPED,
      productName: TYPED,
      reason: TYPED,
    },
  ])('$kind: HTML escapes every field typed on the portal; the text part keeps it', (message) => {
    const mail = renderMail(message);
    const typedFields = valuesShown(message).filter((value) => value === TYPED).length;
    expect(typedFields).toBeGreaterThan(0);
    expect(mail.html).not.toContain('<img');
    // Every typed field, and the subject in the HTML title when it carries one.
    const inTitle = mail.subject.includes(TYPED) ? 1 : 0;
    expect(mail.html.split(TYPED_IN_HTML).length - 1).toBe(typedFields + inTitle);
    expect(mail.text.split(TYPED).length - 1).toBe(typedFields);
  });

  it.each([
    ['en-GB', 'Hello Dana Lee,', 'Hello,', '10 December 2026 at 23:30 (UTC)'],
    ['fr-FR', 'Bonjour Dana Lee,', 'Bonjour,', '10 décembre 2026 à 23:30 (UTC)'],
    ['de-DE', 'Guten Tag Dana Lee,', 'Guten Tag,', '10. Dezember 2026 um 23:30 (UTC)'],
  ] as const)(
    'in %s the account confirmation greets the developer by name when known; portal links expire on a UTC date',
    (culture, named, anonymous, date) => {
      const [withName, withoutName, reset] = portalMessages(culture).map(renderMail);
      expect(withName!.text.startsWith(`${named}\n`)).toBe(true);
      expect(withName!.html).toContain(`>${named}</p>`);
      expect(withoutName!.text.startsWith(`${anonymous}\n`)).toBe(true);
      for (const mail of [withName!, withoutName!, reset!]) expect(mail.text).toContain(date);
    },
  );

  it.each([
    ['en-GB', 'Reset your password', 'only once', 'your password stays as it is'],
    [
      'fr-FR',
      'Réinitialisation de votre mot de passe',
      'qu’une seule fois',
      'votre mot de passe reste inchangé',
    ],
    ['de-DE', 'Zurücksetzen Ihres Passworts', 'nur einmal', 'Ihr Passwort bleibt unverändert'],
  ] as const)(
    'in %s the password reset says its link works once and that ignoring it changes nothing',
    (culture, subject, once, unchanged) => {
      const mail = renderMail(portalMessages(culture)[2]!);
      expect(mail.subject).toBe(subject);
      expect(mail.text).toContain(once);
      expect(mail.text).toContain(unchanged);
    },
  );

  it.each([
    [
      'en-GB',
      'New subscription request for “Energy data API”',
      'Dana Lee (dana@dev.example) has requested the subscription “Dana’s meter app” to the product “Energy data API”',
      'd@dev.example has requested',
    ],
    [
      'fr-FR',
      'Nouvelle demande d’abonnement au produit «\u00a0Energy data API\u00a0»',
      'Dana Lee (dana@dev.example) a demandé l’abonnement «\u00a0Dana’s meter app\u00a0» au produit «\u00a0Energy data API\u00a0»',
      'd@dev.example a demandé',
    ],
    [
      'de-DE',
      'Neue Abonnementanfrage für „Energy data API“',
      'Dana Lee (dana@dev.example) hat im Witty-Home-Entwicklerportal das Abonnement „Dana’s meter app“ für das Produkt „Energy data API“ angefragt',
      'd@dev.example hat im',
    ],
  ] as const)(
    'in %s the administrator learns who asks for which subscription, by address when unnamed',
    (culture, subject, named, unnamed) => {
      const [withName, withoutName] = portalMessages(culture).slice(3).map(renderMail);
      expect(withName!.subject).toBe(subject);
      expect(withName!.text).toContain(named);
      expect(withoutName!.text).toContain(unnamed);
    },
  );

  it.each([
    [
      'en-GB',
      'Your subscription to “Energy data API” has been approved',
      'Your subscription to “Energy data API” was not approved',
      'Reason given: “Please subscribe with your company address.”',
      'Reason',
    ],
    [
      'fr-FR',
      'Votre abonnement au produit «\u00a0Energy data API\u00a0» a été approuvé',
      'Votre abonnement au produit «\u00a0Energy data API\u00a0» n’a pas été approuvé',
      'Motif indiqué\u00a0: «\u00a0Please subscribe with your company address.\u00a0»',
      'Motif',
    ],
    [
      'de-DE',
      'Ihr Abonnement für „Energy data API“ wurde freigegeben',
      'Ihr Abonnement für „Energy data API“ wurde nicht freigegeben',
      'Angegebener Grund: „Please subscribe with your company address.“',
      'Grund',
    ],
  ] as const)(
    'in %s the developer learns the decision; a rejection gives its reason only when there is one',
    (culture, approvedSubject, rejectedSubject, reasonGiven, reasonWord) => {
      const [approved, withReason, withoutReason] = portalMessages(culture)
        .slice(5)
        .map(renderMail);
      expect(approved!.subject).toBe(approvedSubject);
      expect(withReason!.subject).toBe(rejectedSubject);
      expect(withReason!.text).toContain(reasonGiven);
      expect(withoutReason!.subject).toBe(rejectedSubject);
      expect(withoutReason!.text).not.toContain(reasonWord);
    },
  );

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
