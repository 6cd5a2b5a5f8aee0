import type { MailMessage } from '../messages.js';
import { render, type MailContent, type Put } from './layout.js';

type SubscriptionRejected = Extract<MailMessage, { kind: 'subscriptionRejected' }>;

/** Tells a developer that their subscription was not approved, with the reason when one was given. */
export function subscriptionRejectedMail(message: SubscriptionRejected) {
  const { culture, link, subscriptionName: subscription, productName: product } = message;
  const reason = message.reason.trim();
  const words: Record<SubscriptionRejected['culture'], (put: Put) => MailContent> = {
    'en-GB': (put) => ({
      subject: `Your subscription to “${product}” was not approved`,
      blocks: [
        'Hello,',
        `Your subscription “${put(subscription)}” to the product “${put(product)}” was not approved.`,
        ...(reason ? [`Reason given: “${put.plain(reason)}”`] : []),
        'You can look through the products on offer and request another subscription on the products page:',
        { link, label: 'See the products' },
        'The Witty-Home team',
      ],
    }),
    'fr-FR': (put) => ({
      subject: `Votre abonnement au produit « ${product} » n’a pas été approuvé`,
      blocks: [
        'Bonjour,',
        `Votre abonnement « ${put(subscription)} » au produit « ${put(product)} » n’a pas été approuvé.`,
        ...(reason ? [`Motif indiqué : « ${put.plain(reason)} »`] : []),
        'Vous pouvez consulter les produits proposés et demander un autre abonnement depuis la page des produits :',
        { link, label: 'Voir les produits' },
        'L’équipe Witty-Home',
      ],
    }),
    'de-DE': (put) => ({
      subject: `Ihr Abonnement für „${product}“ wurde nicht freigegeben`,
      blocks: [
        'Guten Tag,',
        `Ihr Abonnement „${put(subscription)}“ für das Produkt „${put(product)}“ wurde nicht freigegeben.`,
        ...(reason ? [`Angegebener Grund: „${put.plain(reason)}“`] : []),
        'Auf der Produktseite können Sie sich die angebotenen Produkte ansehen und ein anderes Abonnement anfragen:',
        { link, label: 'Produkte ansehen' },
        'Ihr Witty-Home-Team',
      ],
    }),
  };
  return render(culture, words[culture]);
}
