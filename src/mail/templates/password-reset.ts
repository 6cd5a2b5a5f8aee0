import type { MailMessage } from '../messages.js';
import { formatDate, PORTAL_MAIL_TIME_ZONE, render, type MailContent, type Put } from './layout.js';

type PasswordReset = Extract<MailMessage, { kind: 'passwordReset' }>;

/** The link to choose a new password for a developer account, usable once until it expires. */
export function passwordResetMail(message: PasswordReset) {
  const { culture, link } = message;
  const expires = formatDate(message.expirationDate, culture, PORTAL_MAIL_TIME_ZONE);
  const words: Record<PasswordReset['culture'], (put: Put) => MailContent> = {
    'en-GB': (put) => ({
      subject: 'Reset your password',
      blocks: [
        'Hello,',
        'We have received a request to reset the password of your Witty-Home developer account. To choose a new password, open this link:',
        { link, label: 'Choose a new password' },
        `This link can be used only once, until ${put(expires)} (UTC).`,
        'If you did not ask for this, you can ignore this e-mail: your password stays as it is.',
        'The Witty-Home team',
      ],
    }),
    'fr-FR': (put) => ({
      subject: 'Réinitialisation de votre mot de passe',
      blocks: [
        'Bonjour,',
        'Nous avons reçu une demande de réinitialisation du mot de passe de votre compte développeur Witty-Home. Pour choisir un nouveau mot de passe, ouvrez ce lien :',
        { link, label: 'Choisir un nouveau mot de passe' },
        `Ce lien n’est utilisable qu’une seule fois, jusqu’au ${put(expires)} (UTC).`,
        'Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail : votre mot de passe reste inchangé.',
        'L’équipe Witty-Home',
      ],
    }),
    'de-DE': (put) => ({
      subject: 'Zurücksetzen Ihres Passworts',
      blocks: [
        'Guten Tag,',
        'Wir haben eine Anfrage erhalten, das Passwort Ihres Witty-Home-Entwicklerkontos zurückzusetzen. Um ein neues Passwort festzulegen, öffnen Sie diesen Link:',
        { link, label: 'Neues Passwort festlegen' },
        `Der Link kann nur einmal verwendet werden und ist bis zum ${put(expires)} (UTC) gültig.`,
        'Falls Sie diese Anfrage nicht gestellt haben, können Sie diese E-Mail ignorieren: Ihr Passwort bleibt unverändert.',
        'Ihr Witty-Home-Team',
      ],
    }),
  };
  return render(culture, words[culture]);
}
