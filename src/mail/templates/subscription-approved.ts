import type { MailMessage } from '../messages.js';
import { render, type MailContent, type Put } from './layout.js';

type SubscriptionApproved = Extract<MailMessage, { kind: 'subscriptionApproved' }>;

/** Tells a developer that their subscription was approved and where its keys are. */
export function subscriptionApprovedMail(message: SubscriptionApproved) {
  const { culture, link, subscriptionName: subscription, productName: product } = message;
  const words: Record<SubscriptionApproved['culture'], (put: Put) => MailContent> = {
    'en-GB': (put) => ({
      subject: `Your subscription to “${product}” has been approved`,
      blocks: [
        'Hello,',
        `Your subscription “${put(subscription)}” to the product “${put(product)}” has been approved.`,
        'You will find its keys on your profile page:',
        { link, label: 'See my keys' },
        'The Witty-Home team',
      ],
    }),
    'fr-FR': (put) => ({
      subject: `Votre abonnement au produit « ${product} » a été approuvé`,
      blocks: [
        'Bonjour,',
        `Votre abonnement « ${put(subscription)} » au produit « ${put(product)} » a été approuvé.`,
        'Vous trouverez ses clés sur votre page de profil :',
        { link, label: 'Voir mes clés' },
        'L’équipe Witty-Home',
      ],
    }),
    'de-DE': (put) => ({
      subject: `Ihr Abonnement für „${product}“ wurde freigegeben`,
      blocks: [
        'Guten Tag,',
        `Ihr Abonnement „${put(subscription)}“ für das Produkt „${put(product)}“ wurde freigegeben.`,
        'Die Schlüssel des Abonnements finden Sie in Ihrem Profil:',
        { link, label: 'Meine Schlüssel anzeigen' },
        'Ihr Witty-Home-Team',
      ],
    }),
  };
  return render(culture, words[culture]);
}
