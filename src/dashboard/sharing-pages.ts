import { csrfField, markup } from '../portal/index.js';
import { dashboardPage, type DashboardContext, type InstallationItem } from './pages.js';

/** A pending invitation, in the guide's model. */
export interface PendingInvitation {
  email: string;
  expirationDate: string;
}

/** A user of an installation, in the guide's UserModel. */
export interface InstallationUser {
  accountId: string;
  accountFirstName: string | null;
  accountLastName: string | null;
  accountEmail: string;
  roleCode: string;
  enabled: boolean;
}

/** The owner's page of installers: invite one, the invitations waiting, who has access. */
export function sharingPage(
  ctx: DashboardContext,
  data: {
    installation: InstallationItem;
    invitations: readonly PendingInvitation[];
    users: readonly InstallationUser[];
    notice?: string;
  },
): string {
  const { w } = ctx;
  const base = `/dashboard/installations/${data.installation.installationId}/sharing`;
  const name = (u: InstallationUser) =>
    [u.accountFirstName, u.accountLastName].filter(Boolean).join(' ') || u.accountEmail;
  const userRows = data.users.map(
    (u) => markup`<tr>
      <td>${name(u)}<br />${u.accountEmail}</td>
      <td>${w.userRole[u.roleCode] ?? u.roleCode}</td>
      <td>${w.userState[String(u.enabled)]}</td>
      <td>${
        u.roleCode === 'owner'
          ? ''
          : markup`<form class="inline-form" method="post" action="${base}/users/${u.accountId}/${u.enabled ? 'disable' : 'enable'}">
                ${csrfField(ctx)}<button class="secondary" type="submit" aria-label="${u.enabled ? w.disableUser : w.enableUser}: ${u.accountEmail}">${u.enabled ? w.disableUser : w.enableUser}</button>
              </form>
              <form class="inline-form" method="post" action="${base}/users/${u.accountId}/remove">
                ${csrfField(ctx)}<button class="danger" type="submit" aria-label="${w.removeUser}: ${u.accountEmail}">${w.removeUser}</button>
              </form>`
      }</td>
    </tr>`,
  );
  return dashboardPage(ctx, {
    title: w.sharingTitle(data.installation.name),
    body: markup`<p><a href="/dashboard/installations/${data.installation.installationId}">${data.installation.name}</a></p>
      <h1>${w.sharingTitle(data.installation.name)}</h1>
      ${data.notice ? markup`<p class="notice" role="status">${data.notice}</p>` : ''}
      <p>${w.sharingIntro}</p>
      <h2>${w.inviteTitle}</h2>
      <form method="post" action="${base}/invite">
        ${csrfField(ctx)}
        <label for="email">${w.inviteEmail}</label>
        <input id="email" name="email" type="email" autocomplete="off" required />
        <label for="cultureCode">${w.inviteCulture}</label>
        <select id="cultureCode" name="cultureCode">
          <option value="en-GB"${ctx.lang === 'en' ? markup` selected` : ''}>English</option>
          <option value="fr-FR"${ctx.lang === 'fr' ? markup` selected` : ''}>Français</option>
          <option value="de-DE">Deutsch</option>
        </select>
        <button type="submit">${w.invite}</button>
      </form>
      <h2>${w.pendingInvitations}</h2>
      ${
        data.invitations.length === 0
          ? markup`<p>${w.noPendingInvitations}</p>`
          : markup`<ul>${data.invitations.map(
              (i) => markup`<li>${i.email} (${w.expires} ${i.expirationDate.slice(0, 10)})
                <form class="inline-form" method="post" action="${base}/invitations/cancel">
                  ${csrfField(ctx)}<input type="hidden" name="email" value="${i.email}" />
                  <button class="secondary" type="submit" aria-label="${w.cancelInvitation}: ${i.email}">${w.cancelInvitation}</button>
                </form></li>`,
            )}</ul>`
      }
      <h2>${w.usersTitle}</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">${w.usersTitle}</th><th scope="col">${w.userRoleHeading}</th><th scope="col">${w.userStateHeading}</th><th scope="col"><span class="visually-hidden">${w.disableUser} / ${w.removeUser}</span></th></tr></thead>
        <tbody>${userRows}</tbody>
      </table></div>`,
  });
}

/** The page an invitation link leads an installer to: what it is, and the button to accept. */
export function acceptPage(
  ctx: DashboardContext,
  code: string,
  installationName: string,
  refused?: string,
): string {
  const { w } = ctx;
  return dashboardPage(ctx, {
    title: w.acceptTitle,
    body: markup`<h1>${w.acceptTitle}</h1>
      ${refused ? markup`<div class="error-summary" role="alert"><p>${w.refusedBecause(refused)}</p></div>` : ''}
      <p>${w.acceptText(installationName)}</p>
      <form method="post" action="/dashboard/invitations/${code}/accept">
        ${csrfField(ctx)}<button type="submit">${w.accept}</button>
      </form>`,
  });
}
