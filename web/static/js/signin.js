// Sign-in with an API token; the token is checked against the API and kept
// in session storage by the caller.
import { gql } from './api.js';
import { h, field } from './dom.js';

export function renderSignIn(root, { message = '', onSignedIn }) {
  const input = h('input', {
    type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true,
    placeholder: 'adk_…', autofocus: true,
  });
  const error = h('p.form-error', { role: 'alert', hidden: !message }, message);
  const submit = h('button.btn.primary.block', { type: 'submit' }, 'Sign in');
  const form = h('form.signin-form', { novalidate: true },
    field('API token', input, { hint: 'An admin or technician API token. alertdesk prints the demo admin token when it starts and writes it to data/demo.json.' }),
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
      submit.textContent = 'Sign in';
    }
  });
  root.append(h('div.signin',
    h('section.signin-card', { 'aria-labelledby': 'signin-title' },
      h('div.brand.large', h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }), h('span', 'alertdesk')),
      h('h1', { id: 'signin-title' }, 'Sign in'),
      h('p.muted', 'Manage RMM alert automation: integrations, rules, maintenance windows, the live alert feed and tickets.'),
      form)));
  input.focus();
}
