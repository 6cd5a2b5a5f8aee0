import { markup } from '../html.js';
import { formatDate, page, type PageContext } from '../layout.js';

/** A mail as the mailbox lists it. */
export interface MailView {
  id: string;
  to_address: string;
  kind: string;
  subject: string;
  state: string;
  created_at: string;
  text: string;
}

/** Which mails the mailbox shows, said above the list. */
export type MailboxScope = 'open' | 'all' | 'own';

/** The mails of the local outbox (or sent), newest first. */
export function mailboxPage(ctx: PageContext, mails: readonly MailView[], scope: MailboxScope) {
  const { t } = ctx;
  const notice = { open: t.mailboxOpenNotice, all: t.mailboxAllNotice, own: t.mailboxOwnNotice }[
    scope
  ];
  const rows = mails.map(
    (m) =>
      markup`<tr>
        <td>${formatDate(ctx.lang, m.created_at)}</td>
        <td>${m.to_address}</td>
        <td><a href="/mailbox/${m.id}">${m.subject}</a></td>
        <td>${m.state}</td>
      </tr>`,
  );
  return page(ctx, {
    title: t.mailboxTitle,
    body: markup`<h1>${t.mailboxTitle}</h1>
      <p class="notice">${notice}</p>
      ${
        mails.length === 0
          ? markup`<p>${t.noMail}</p>`
          : markup`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t.date}</th>
                    <th scope="col">${t.to}</th>
                    <th scope="col">${t.subject}</th>
                    <th scope="col">${t.state}</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>
            </div>`
      }`,
  });
}

/** One mail: its headers and its text part, with a link to its HTML part. */
export function mailPage(ctx: PageContext, mail: MailView) {
  const { t } = ctx;
  return page(ctx, {
    title: mail.subject,
    body: markup`<p><a href="/mailbox">${t.back}</a></p>
      <h1>${mail.subject}</h1>
      <dl class="facts">
        <dt>${t.to}</dt>
        <dd>${mail.to_address}</dd>
        <dt>${t.date}</dt>
        <dd>${formatDate(ctx.lang, mail.created_at)}</dd>
        <dt>${t.state}</dt>
        <dd>${mail.state}</dd>
      </dl>
      <pre class="mail">${mail.text}</pre>
      <p><a href="/mailbox/${mail.id}/html">${t.htmlVersion}</a></p>`,
  });
}
