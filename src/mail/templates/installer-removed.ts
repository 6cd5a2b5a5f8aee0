import type { MailMessage } from '../messages.js';
import { nameOrAddress, render, type MailContent, type Put } from './layout.js';

type InstallerRemoved = Extract<MailMessage, { kind: 'installerRemoved' }>;

/** Tells the owner that an installer no longer has access to their installation. */
export function installerRemovedMail(message: InstallerRemoved) {
  const { culture } = message;
  const installer = nameOrAddress(message.installerName, message.installerEmail);
  const words: Record<InstallerRemoved['culture'], (put: Put) => MailContent> = {
    'en-GB': (put) => ({
      subject: `${installer} no longer has access to “${message.installationName}”`,
      blocks: [
        'Hello,',
        `${put(installer)} has been removed from the installers of your Witty-Home installation “${put(message.installationName)}” and can no longer see its data.`,
        'If you did not make this change, sign in to your app and check who has access to your installation.',
        'The Witty-Home team',
      ],
    }),
    'fr-FR': (put) => ({
      subject: `L’accès de ${installer} à « ${message.installationName} » a été supprimé`,
      blocks: [
        'Bonjour,',
        `L’accès de ${put(installer)} à votre installation Witty-Home « ${put(message.installationName)} » a été supprimé : cette personne ne voit plus ses données.`,
        'Si vous n’êtes pas à l’origine de ce changement, connectez-vous à votre application et vérifiez qui a accès à votre installation.',
        'L’équipe Witty-Home',
      ],
    }),
    'de-DE': (put) => ({
      subject: `Der Zugang von ${installer} zu „${message.installationName}“ wurde entfernt`,
      blocks: [
        'Guten Tag,',
        `Der Zugang von ${put(installer)} zu Ihrer Witty-Home-Installation „${put(message.installationName)}“ wurde entfernt. Diese Person kann die Daten der Installation nicht mehr sehen.`,
        'Falls Sie diese Änderung nicht selbst vorgenommen haben, melden Sie sich in Ihrer App an und prüfen Sie, wer Zugriff auf Ihre Installation hat.',
        'Ihr Witty-Home-Team',
      ],
    }),
  };
  return render(culture, words[culture]);
}
