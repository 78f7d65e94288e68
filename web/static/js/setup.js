// First run: while the installation has no tenant, the setup code from the
// server's log makes the first tenant and its admin, whose API token is
// shown once and signs the admin in.
import { h, field, showFieldErrors, clearFieldErrors, copyButton } from './dom.js';

// setupNeeded asks the server whether it has no tenant yet.
export async function setupNeeded() {
  try {
    const res = await fetch('/setup', { headers: { Accept: 'application/json' } });
    if (!res.ok) return false;
    return (await res.json()).needed === true;
  } catch {
    return false;
  }
}

export function renderSetup(root, { code = '', onSignedIn, onSignIn }) {
  const input = (name, attrs = {}) => h('input', { name, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs });
  const codeIn = input('code', { type: 'password', value: code, required: true });
  const nameIn = input('name', { required: true, placeholder: 'Acme IT', autofocus: true });
  const emailIn = input('adminEmail', { type: 'text', inputmode: 'email', required: true, autocomplete: 'email', placeholder: 'you@example.com' });
  const adminIn = input('adminName', { autocomplete: 'name' });
  const error = h('p.form-error', { role: 'alert', hidden: true });
  const submit = h('button.btn.primary.block', { type: 'submit' }, 'Set up alertdesk');
  const form = h('form.signin-form.setup-form', { novalidate: true },
    field('Setup code', codeIn, { name: 'code', hint: 'In the server’s log, on the line “no tenant yet”. The link there fills it in.' }),
    field('Your MSP’s name', nameIn, { name: 'name' }),
    field('Your email', emailIn, { name: 'adminEmail', hint: 'You become the first admin.' }),
    field('Your name', adminIn, { name: 'adminName' }),
    error, submit);
  const card = h('section.signin-card', { 'aria-labelledby': 'setup-title' },
    h('div.brand.large', h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }), h('span', 'alertdesk')),
    h('h1', { id: 'setup-title' }, 'Set up alertdesk'),
    h('p.muted', 'This installation has no tenant yet. Create yours: a service desk board with Open, In Progress and Closed, priorities Urgent to Low, and you as its admin.'),
    form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = 'Setting up…';
    try {
      const body = { code: codeIn.value.trim(), name: nameIn.value, adminEmail: emailIn.value, adminName: adminIn.value };
      const res = await fetch('/setup', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const out = await res.json().catch(() => ({}));
      if (res.status === 201) {
        showToken(card, out.token, out.passwordLink, onSignedIn);
        return;
      }
      if (res.status === 409) {
        onSignIn(out.error || 'alertdesk is already set up: sign in.');
        return;
      }
      const rest = showFieldErrors(form, res.status === 403 ? [{ field: 'code', message: out.error }] : (out.fields || []));
      if (rest.length || !(out.fields || []).length && res.status !== 403) {
        error.hidden = false;
        error.textContent = out.error || `Setup failed (${res.status}).`;
      }
    } catch (err) {
      error.hidden = false;
      error.textContent = err.message;
    }
    submit.disabled = false;
    submit.textContent = 'Set up alertdesk';
  });
  root.append(h('div.signin', card));
  (code ? nameIn : codeIn).focus();
}

// showToken replaces the form with the admin's API token, shown once.
function showToken(card, token, passwordLink, onSignedIn) {
  const value = h('code.token-value', { 'data-testid': 'setup-token' }, token);
  const go = h('button.btn.primary.block', { type: 'button' }, 'Continue');
  // The link works once: it sets the admin's password and signs in.
  const password = passwordLink ? h('a.btn.block', { href: passwordLink, 'data-testid': 'setup-password' }, 'Set a password instead') : null;
  go.addEventListener('click', () => onSignedIn(token));
  card.replaceChildren(
    h('div.brand.large', h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }), h('span', 'alertdesk')),
    h('h1', { id: 'setup-title' }, 'Your API token'),
    h('p.muted', 'Keep it somewhere safe: it is shown only this once. Scripts and workflow tools sign in with tokens; people sign in with a password, which you can set now (or later with “Forgot your password?”).'),
    h('div.token-row', value, copyButton('Copy API token', token)),
    go, password);
  go.focus();
}
