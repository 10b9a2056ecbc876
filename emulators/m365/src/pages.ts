import { escapeHtml as e } from './http.ts';

/**
 * The emulator's HTML pages: one sign-in + consent form, a message page and the `form_post` response. Element ids
 * (`#username`, `#password`, `#otp`, `#accept`, `#cancel`, `#user_code`, `#consent_org`) are stable for browser tests.
 */
const layout = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>` +
  `<style>body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}main{max-width:440px;margin:3rem auto;background:#fff;padding:2rem 2.75rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}` +
  `label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:.4rem}` +
  `.err{color:#a80000}.banner{font-size:.8rem;color:#666}button{margin:1rem .5rem 0 0;padding:.4rem 1.5rem}</style></head>` +
  `<body><main><p class="banner">Microsoft 365 emulator (Trunkline test double)</p>${body}</main></body></html>`;

export type SignInPage = {
  title: string;
  action: string;
  appName: string;
  tenantName?: string;
  permissions: string[];
  hidden: Record<string, string>;
  error?: string;
  username?: string;
  askOtp?: boolean;
  askUserCode?: boolean;
  offerOrgConsent?: boolean;
  acceptLabel?: string;
};

export const signInPage = (p: SignInPage) => {
  const hidden = Object.entries(p.hidden)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join('');
  const perms = p.permissions.length
    ? `<p>${e(p.appName)} is requesting these permissions:</p><ul id="permissions">${p.permissions.map((x) => `<li>${e(x)}</li>`).join('')}</ul>`
    : `<p>Sign in to continue to ${e(p.appName)}.</p>`;
  return layout(
    p.title,
    `<h1>${e(p.title)}</h1>${p.tenantName ? `<p>Organization: <strong>${e(p.tenantName)}</strong></p>` : ''}${perms}` +
      (p.error ? `<p class="err" id="error" role="alert">${e(p.error)}</p>` : '') +
      `<form method="post" action="${e(p.action)}">${hidden}` +
      (p.askUserCode
        ? `<label for="user_code">Code</label><input type="text" id="user_code" name="user_code" autocomplete="off">`
        : '') +
      `<label for="username">Email or username</label><input type="email" id="username" name="username" value="${e(p.username ?? '')}">` +
      `<label for="password">Password</label><input type="password" id="password" name="password">` +
      `<label for="otp">Verification code${p.askOtp ? '' : ' (only if your account uses MFA)'}</label><input type="text" id="otp" name="otp" autocomplete="one-time-code">` +
      (p.offerOrgConsent
        ? `<label><input type="checkbox" id="consent_org" name="consent_org" value="true"> Consent on behalf of your organization</label>`
        : '') +
      `<button type="submit" id="accept" name="action" value="accept">${e(p.acceptLabel ?? 'Accept')}</button>` +
      `<button type="submit" id="cancel" name="action" value="cancel">Cancel</button></form>`,
  );
};

export const messagePage = (title: string, message: string, code?: number) =>
  layout(title, `<h1>${e(title)}</h1><p id="message">${code ? `AADSTS${code}: ` : ''}${e(message)}</p>`);

/** `response_mode=form_post`: an auto-submitting form to the redirect URI. */
export const formPostPage = (redirectUri: string, params: Record<string, string>) =>
  `<!doctype html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()">` +
  `<form method="POST" name="hiddenform" action="${e(redirectUri)}">` +
  Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join('') +
  `<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript></form></body></html>`;
