// Users: who works the desk. Admins invite people by email (a one-time
// link sets their password), change roles and deactivate users; the
// tenant's last admin keeps the role.
import { gql, authPost, getToken, csrfToken } from './api.js';
import {
  h, clear, field, select, openDialog, confirmDialog, showFieldErrors, clearFieldErrors, toast,
  loading, errorState, badge, fmtTime, nextId,
} from './dom.js';

const USER_FIELDS = 'id name email role invited deactivatedAt createdAt';

const ROLES = [{ value: 'TECHNICIAN', label: 'Technician' }, { value: 'ADMIN', label: 'Admin' }];

function state(u) {
  if (u.deactivatedAt) return badge('Deactivated', 'neutral');
  if (u.invited) return badge('Invited', 'info');
  return badge('Active', 'ok');
}

export function render(main, ctx) {
  const inviteBtn = h('button.btn.primary', { type: 'button', hidden: !ctx.isAdmin }, '+ Invite user');
  // Only a password sign-in has a password to change.
  const passwordBtn = h('button.btn', { type: 'button', hidden: !!getToken() || !csrfToken() }, 'Change your password');
  passwordBtn.addEventListener('click', () => openChangePassword());
  const body = h('div.page-body', loading());
  main.append(h('div.page-head',
    h('div', h('h1', 'Users'), h('p.subtitle', 'People who sign in to work tickets (technicians) and to configure alertdesk (admins).')),
    h('div.head-actions', passwordBtn, inviteBtn)), body);
  let alive = true;
  const load = async () => {
    try {
      const d = await gql(`{ users(includeDeactivated: true) { ${USER_FIELDS} } }`);
      if (alive) draw(d.users);
    } catch (err) {
      if (alive) clear(body).append(errorState(err, load));
    }
  };
  const changed = () => {
    ctx.invalidate();
    load();
  };
  inviteBtn.addEventListener('click', () => openInvite({ onSaved: changed }));

  function draw(list) {
    clear(body);
    const tbody = h('tbody');
    for (const u of list) {
      const self = u.id === ctx.me.id;
      const role = select(ROLES, u.role, { 'aria-label': `Role of ${u.name || u.email}`, disabled: !ctx.isAdmin || !!u.deactivatedAt, dataset: { field: 'role' } });
      role.addEventListener('change', async () => {
        try {
          await gql('mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { id role } }', { id: u.id, in: { role: role.value } });
          toast(`${u.name || u.email} is now ${role.value === 'ADMIN' ? 'an admin' : 'a technician'}`, 'success');
          changed();
        } catch (err) {
          role.value = u.role;
          toast((err.fields && err.fields[0] && err.fields[0].message) || err.message, 'error');
        }
      });
      const resend = h('button.btn.small', { type: 'button', hidden: !ctx.isAdmin || !u.invited }, 'Resend invitation');
      resend.addEventListener('click', async () => {
        try {
          await gql('mutation($in: InviteUserInput!) { inviteUser(input: $in) { id } }', { in: { email: u.email } });
          toast(`A new invitation is on its way to ${u.email}`, 'success');
        } catch (err) {
          toast(err.message, 'error');
        }
      });
      const off = h('button.btn.small.ghost.danger-text', { type: 'button', hidden: !ctx.isAdmin || !!u.deactivatedAt || self, 'aria-label': `Deactivate ${u.name || u.email}` }, 'Deactivate');
      off.addEventListener('click', async () => {
        const ok = await confirmDialog({
          title: `Deactivate ${u.name || u.email}?`,
          message: 'They are signed out at once, their API tokens are revoked, and they cannot sign in until reactivated. Their tickets and history stay.',
          confirmLabel: 'Deactivate',
        });
        if (!ok) return;
        try {
          await gql('mutation($id: ID!) { deactivateUser(id: $id) { id } }', { id: u.id });
          toast(`${u.name || u.email} is deactivated`, 'success');
          changed();
        } catch (err) {
          toast((err.fields && err.fields[0] && err.fields[0].message) || err.message, 'error');
        }
      });
      const on = h('button.btn.small', { type: 'button', hidden: !ctx.isAdmin || !u.deactivatedAt, 'aria-label': `Reactivate ${u.name || u.email}` }, 'Reactivate');
      on.addEventListener('click', async () => {
        try {
          await gql('mutation($id: ID!) { reactivateUser(id: $id) { id } }', { id: u.id });
          toast(`${u.name || u.email} can sign in again (their old API tokens stay revoked)`, 'success');
          changed();
        } catch (err) {
          toast(err.message, 'error');
        }
      });
      tbody.append(h('tr', { dataset: { userId: u.id, email: u.email } },
        h('td', h('div.cell-title', u.name || u.email, self ? ' (you)' : ''), h('div.cell-sub', u.email)),
        h('td', role),
        h('td', state(u)),
        h('td', fmtTime(u.createdAt)),
        h('td.actions', resend, off, on)));
    }
    body.append(h('section.card.flush', h('div.table-wrap', h('table.table',
      h('caption.sr-only', 'Users'),
      h('thead', h('tr', ['User', 'Role', 'Status', 'Since'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span.sr-only', 'Actions')))),
      tbody))));
  }
  load();
  return () => {
    alive = false;
  };
}

// openInvite asks for the person's email, name and role and sends the
// invitation.
function openInvite({ onSaved }) {
  const email = h('input', { type: 'text', inputmode: 'email', name: 'email', autocomplete: 'off', required: true, autofocus: true });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const role = select(ROLES, 'TECHNICIAN', { name: 'role' });
  const summary = h('div.callout.danger.form-summary', { role: 'alert', hidden: true, tabindex: '-1' });
  const formId = nextId('invite-form');
  const form = h('form.form.invite-form', { id: formId, novalidate: true }, summary,
    field('Email', email, { name: 'email', hint: 'The invitation goes here, with a link that works once, for 7 days.' }),
    field('Name', name, { name: 'name' }),
    field('Role', role, { name: 'role', hint: 'Technicians work tickets; admins also configure alertdesk and invite people.' }));
  const send = h('button.btn.primary', { type: 'submit', form: formId }, 'Send invitation');
  const cancel = h('button.btn', { type: 'button' }, 'Cancel');
  const { close } = openDialog({ title: 'Invite a user', body: form, footer: [cancel, send] });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    summary.hidden = true;
    clearFieldErrors(form);
    if (!email.value.trim()) {
      showFieldErrors(form, [{ field: 'email', message: 'Enter an email address.' }]);
      return;
    }
    send.disabled = true;
    try {
      const input = { email: email.value.trim(), name: name.value.trim(), role: role.value };
      await gql('mutation($in: InviteUserInput!) { inviteUser(input: $in) { id } }', { in: input });
      toast(`Invitation sent to ${input.email}`, 'success');
      close();
      onSaved();
    } catch (err) {
      const fields = (err.fields || []).map((f) => ({ ...f, field: f.field.replace(/^input\./, '') }));
      const rest = showFieldErrors(form, fields);
      if (!fields.length || rest.length) {
        summary.hidden = false;
        summary.textContent = err.message;
        summary.focus();
      }
    } finally {
      send.disabled = false;
    }
  });
}

// openChangePassword changes the signed-in user's password: the current
// one proves it is them; every other session of theirs ends.
function openChangePassword() {
  const current = h('input', { type: 'password', name: 'currentPassword', autocomplete: 'current-password', required: true, autofocus: true });
  const next = h('input', { type: 'password', name: 'newPassword', autocomplete: 'new-password', required: true, minlength: 12 });
  const summary = h('div.callout.danger.form-summary', { role: 'alert', hidden: true, tabindex: '-1' });
  const formId = nextId('password-form');
  const form = h('form.form.change-password-form', { id: formId, novalidate: true }, summary,
    field('Current password', current, { name: 'currentPassword' }),
    field('New password', next, { name: 'newPassword', hint: 'At least 12 characters; a sentence is easiest to remember.' }));
  const save = h('button.btn.primary', { type: 'submit', form: formId }, 'Change password');
  const cancel = h('button.btn', { type: 'button' }, 'Cancel');
  const { close } = openDialog({ title: 'Change your password', body: form, footer: [cancel, save] });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    summary.hidden = true;
    clearFieldErrors(form);
    save.disabled = true;
    try {
      const { status, body } = await authPost('/auth/change-password', { currentPassword: current.value, newPassword: next.value });
      if (status === 200) {
        toast('Your password is changed; your other sessions are signed out', 'success');
        close();
        return;
      }
      const message = body.error || `The password could not be changed (${status}).`;
      const rest = body.field ? showFieldErrors(form, [{ field: body.field, message }]) : [message];
      if (rest.length) {
        summary.hidden = false;
        summary.textContent = message;
        summary.focus();
      }
    } catch (err) {
      summary.hidden = false;
      summary.textContent = err.message;
    } finally {
      save.disabled = false;
    }
  });
}
