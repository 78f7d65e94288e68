// Shared pieces of the desk administration screens: a small form dialog
// whose fields show the API's field errors, and running a change with its
// error shown as a toast.
import { gql } from './api.js';
import { h, field, openDialog, showFieldErrors, clearFieldErrors, toast, nextId } from './dom.js';

// formDialog opens a dialog with labelled controls ({name, label, control,
// hint}); submit(values) saves and resolves, or throws the API's error,
// whose field errors go next to their controls.
export function formDialog({ title, fields, submitLabel = 'Save', submit, onSaved = () => {}, wide = false }) {
  const summary = h('div.callout.danger.form-summary', { role: 'alert', hidden: true, tabindex: '-1' });
  const formId = nextId('admin-form');
  const form = h('form.form', { id: formId, novalidate: true }, summary,
    fields.map((f) => (f.control ? field(f.label, f.control, { name: f.name, hint: f.hint || '' }) : f.el)));
  const save = h('button.btn.primary', { type: 'submit', form: formId }, submitLabel);
  const cancel = h('button.btn', { type: 'button' }, 'Cancel');
  const { close } = openDialog({ title, body: form, footer: [cancel, save], wide });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    summary.hidden = true;
    clearFieldErrors(form);
    save.disabled = true;
    try {
      const result = await submit();
      close();
      onSaved(result);
    } catch (err) {
      const fieldsOut = (err.fields || []).map((f) => ({ ...f, field: f.field.replace(/^input\./, '') }));
      const rest = showFieldErrors(form, fieldsOut);
      if (!fieldsOut.length || rest.length) {
        summary.hidden = false;
        summary.replaceChildren(h('strong', 'Not saved. '), rest.length ? rest.map((f) => h('span', `${f.message}. `)) : err.message);
        if (!fieldsOut.length) summary.focus();
      }
    } finally {
      save.disabled = false;
    }
  });
  return { form, close };
}

// change runs a mutation; its refusal (with the API's field messages) is
// a toast. It resolves to the data, or null when refused.
export async function change(query, variables, success) {
  try {
    const data = await gql(query, variables);
    if (success) toast(success, 'success');
    return data;
  } catch (err) {
    const msgs = (err.fields || []).map((f) => f.message);
    toast(msgs.length ? msgs.join('; ') : err.message, 'error');
    return null;
  }
}

// retiredToggle is the "Show retired" switch.
export function retiredToggle(onchange) {
  const input = h('input', { type: 'checkbox', onchange: () => onchange(input.checked) });
  return h('label.check.switch', { dataset: { testid: 'show-retired' } }, input, h('span', 'Show retired'));
}

// moved returns ids with the one at index i swapped with its neighbour in
// direction dir (-1 up, +1 down) among those visible says to show.
export function moved(items, i, dir, visible) {
  const ids = items.map((x) => x.id);
  let j = i + dir;
  while (j >= 0 && j < items.length && !visible(items[j])) j += dir;
  if (j < 0 || j >= items.length) return null;
  [ids[i], ids[j]] = [ids[j], ids[i]];
  return ids;
}
