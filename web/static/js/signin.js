// Sign-in: email and password (a cookie session), or an API token, which
// is checked against the API and kept in session storage by the caller.
// "Forgot your password?" asks for a reset link by email.
import { gql, authPost } from './api.js';
import { h, field } from './dom.js';

function card(...content) {
  return h('div.signin', h('section.signin-card', { 'aria-labelledby': 'signin-title' },
    h('div.brand.large', h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }), h('span', 'alertdesk')),
    ...content));
}

// renderSignIn: onSignedIn(token) after a token sign-in, onSignedIn('')
// after a password sign-in (the session is the cookie).
export function renderSignIn(root, { message = '', onSignedIn }) {
  const email = h('input', { type: 'text', inputmode: 'email', name: 'email', autocomplete: 'username', spellcheck: 'false', required: true, autofocus: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const loginError = h('p.form-error', { role: 'alert', hidden: !message }, message);
  const loginSubmit = h('button.btn.primary.block', { type: 'submit' }, 'Sign in');
  const forgot = h('button.btn.link', { type: 'button' }, 'Forgot your password?');
  const login = h('form.login-form', { novalidate: true },
    field('Email', email, { name: 'email' }),
    field('Password', password, { name: 'password' }),
    loginError, loginSubmit, forgot);
  login.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!email.value.trim() || !password.value) {
      loginError.hidden = false;
      loginError.textContent = 'Enter your email and password.';
      (email.value.trim() ? password : email).focus();
      return;
    }
    loginSubmit.disabled = true;
    loginSubmit.textContent = 'Signing in…';
    try {
      const { status, body } = await authPost('/auth/login', { email: email.value.trim(), password: password.value });
      if (status === 200) {
        onSignedIn('');
        return;
      }
      loginError.hidden = false;
      loginError.textContent = body.error || `Sign-in failed (${status}).`;
      password.select();
      password.focus();
    } catch {
      loginError.hidden = false;
      loginError.textContent = 'Cannot reach alertdesk. Check your connection and try again.';
    }
    loginSubmit.disabled = false;
    loginSubmit.textContent = 'Sign in';
  });
  forgot.addEventListener('click', () => {
    root.replaceChildren();
    renderForgot(root, { email: email.value.trim(), onBack: () => { root.replaceChildren(); renderSignIn(root, { onSignedIn }); } });
  });

  const input = h('input', {
    type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true,
    placeholder: 'adk_…',
  });
  const error = h('p.form-error', { role: 'alert', hidden: true });
  const submit = h('button.btn.block', { type: 'submit' }, 'Sign in with token');
  const form = h('form.signin-form.token-form', { novalidate: true },
    field('API token', input, { hint: 'For automation and the demo: an admin or technician API token. alertdesk prints the demo admin token when it starts and writes it to data/demo.json.' }),
    error, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      error.hidden = false;
      error.textContent = 'Enter an API token.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      await gql('{ me { id } }', {}, { token });
      onSignedIn(token);
    } catch (err) {
      error.hidden = false;
      error.textContent = err.code === 'UNAUTHENTICATED' ? 'That token was not accepted. Check it and try again.' : err.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      input.select();
      submit.disabled = false;
      submit.textContent = 'Sign in with token';
    }
  });
  const sso = h('a.btn.block.sso', { href: '/auth/oidc/start', hidden: true }, 'Sign in with single sign-on');
  fetch('/auth/methods', { headers: { Accept: 'application/json' } })
    .then((r) => r.json()).then((m) => { sso.hidden = !m.oidc; }).catch(() => {});
  root.append(card(
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p.muted', 'Manage RMM alert automation: integrations, rules, maintenance windows, the live alert feed and tickets.'),
    sso,
    login,
    h('p.divider', h('span', 'or')),
    form));
  email.focus();
}

// renderForgot asks for a reset link.
function renderForgot(root, { email: value = '', onBack }) {
  const email = h('input', { type: 'text', inputmode: 'email', name: 'email', autocomplete: 'username', value, required: true, autofocus: true });
  const note = h('p.form-error', { role: 'alert', hidden: true });
  const submit = h('button.btn.primary.block', { type: 'submit' }, 'Email me a link');
  const back = h('button.btn.link', { type: 'button', onclick: onBack }, 'Back to sign-in');
  const form = h('form.login-form.reset-form', { novalidate: true }, field('Email', email, { name: 'email' }), note, submit, back);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const { status, body } = await authPost('/auth/reset', { email: email.value.trim() }).catch(() => ({ status: 0, body: {} }));
    submit.disabled = false;
    note.hidden = false;
    note.classList.toggle('ok', status === 202);
    note.textContent = body.message || body.error || 'Cannot reach alertdesk. Try again.';
  });
  root.append(card(h('h1', { id: 'signin-title' }, 'Reset your password'),
    h('p.muted', 'We email a link that sets a new password. It works once, for an hour.'), form));
  email.focus();
}

// renderPassword is the page of an invitation or reset link: it sets the
// password and signs in (onSignedIn), or says the link is no longer valid.
export async function renderPassword(root, { token, onSignedIn, onSignIn }) {
  let info;
  try {
    const res = await fetch(`/auth/link?token=${encodeURIComponent(token)}`, { headers: { Accept: 'application/json' } });
    info = { status: res.status, ...(await res.json().catch(() => ({}))) };
  } catch {
    info = { status: 0, error: 'Cannot reach alertdesk. Try again.' };
  }
  if (info.status !== 200) {
    const again = h('button.btn.primary.block', { type: 'button', onclick: () => onSignIn('') }, 'Go to sign-in');
    root.append(card(h('h1', { id: 'signin-title' }, 'This link does not work'),
      h('p.form-error', { role: 'alert' }, info.error || 'The link is not valid any more.'),
      h('p.muted', 'Links work once and expire. Ask your admin for a new invitation, or use “Forgot your password?” on the sign-in page.'),
      again));
    return;
  }
  const invite = info.kind === 'invite';
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, autofocus: true });
  const confirm = h('input', { type: 'password', name: 'confirm', autocomplete: 'new-password', required: true });
  const error = h('p.form-error', { role: 'alert', hidden: true });
  const submit = h('button.btn.primary.block', { type: 'submit' }, invite ? 'Set password and sign in' : 'Save password and sign in');
  const form = h('form.login-form.password-form', { novalidate: true },
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: info.email, hidden: true, readonly: true }),
    field('New password', password, { name: 'password', hint: 'At least 12 characters; a sentence works well. Common passwords are refused.' }),
    field('Repeat it', confirm, { name: 'confirm' }),
    error, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (password.value !== confirm.value) {
      error.hidden = false;
      error.textContent = 'The two passwords differ.';
      confirm.focus();
      return;
    }
    submit.disabled = true;
    const { status, body } = await authPost('/auth/password', { token, password: password.value }).catch(() => ({ status: 0, body: {} }));
    submit.disabled = false;
    if (status === 200) {
      onSignedIn();
      return;
    }
    error.hidden = false;
    error.textContent = body.error || 'Cannot reach alertdesk. Try again.';
    password.focus();
  });
  root.append(card(
    h('h1', { id: 'signin-title' }, invite ? 'Welcome to alertdesk' : 'Choose a new password'),
    h('p.muted', invite ? `You are invited as ${info.email}. Choose a password to sign in.` : `For ${info.email}.`),
    form));
  password.focus();
}
