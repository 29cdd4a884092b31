// Staff accounts: admins and reviewers who log in with a password or single
// sign-on. Accounts are disabled, never deleted, so the access log keeps
// their names.
import { addTexts, dateOnly, dateTime, t } from './i18n.js';
import { $, el } from './dom.js';
import { act, api, field, handle, json, listTable, result } from './ui.js';

addTexts({
  en: {
    'nav.staff': 'Staff accounts',
    'staff.col.name': 'Name',
    'staff.col.role': 'Role',
    'staff.col.login': 'Login',
    'staff.col.created': 'Created',
    'staff.col.status': 'Status',
    'staff.password': 'password',
    'staff.sso': 'single sign-on',
    'staff.active': 'active',
    'staff.disabledAt': 'disabled {at}',
    'staff.disable': 'Disable',
    'staff.confirm': 'Disable {name}? They are logged out at once.',
    'staff.disabled': '{name} disabled.',
    'staff.new': 'New account',
    'staff.name': 'Name',
    'staff.role': 'Role',
    'staff.reviewer': 'Reviewer',
    'staff.admin': 'Admin',
    'staff.pw': 'Password (at least 12 characters)',
    'staff.add': 'Add account',
    'staff.added': 'Account {name} added.',
    'staff.hint': 'Disabling an account logs it out at once; accounts are never deleted, so the access log keeps their names. Single sign-on accounts appear after their first login.',
  },
  nl: {
    'nav.staff': 'Medewerkers',
    'staff.col.name': 'Naam',
    'staff.col.role': 'Rol',
    'staff.col.login': 'Inloggen',
    'staff.col.created': 'Gemaakt',
    'staff.col.status': 'Status',
    'staff.password': 'wachtwoord',
    'staff.sso': 'single sign-on',
    'staff.active': 'actief',
    'staff.disabledAt': 'uitgeschakeld {at}',
    'staff.disable': 'Uitschakelen',
    'staff.confirm': '{name} uitschakelen? Die wordt meteen uitgelogd.',
    'staff.disabled': '{name} uitgeschakeld.',
    'staff.new': 'Nieuw account',
    'staff.name': 'Naam',
    'staff.role': 'Rol',
    'staff.reviewer': 'Beoordelaar',
    'staff.admin': 'Beheerder',
    'staff.pw': 'Wachtwoord (minstens 12 tekens)',
    'staff.add': 'Account toevoegen',
    'staff.added': 'Account {name} toegevoegd.',
    'staff.hint': 'Uitschakelen logt een account meteen uit; accounts worden nooit verwijderd, zodat het toegangslogboek hun namen houdt. Single-sign-on-accounts verschijnen na hun eerste login.',
  },
});

const ui = {};

async function showUsers() {
  const { users } = await json('/api/v1/users');
  ui.list.replaceChildren(listTable('users-table', 'staff', ['name', 'role', 'login', 'created', 'status', ''], users.map((u) => {
    const off = el('button', { type: 'button', 'data-user': u.id, t: 'staff.disable', hidden: Boolean(u.disabled) });
    off.addEventListener('click', () => disableUser(u));
    return el('tr', { 'data-name': u.name },
      el('td', {}, u.name), el('td', { t: `role.${u.role}` }), el('td', { t: u.password ? 'staff.password' : 'staff.sso' }),
      el('td', {}, dateOnly(u.created)),
      u.disabled ? el('td', { t: 'staff.disabledAt', tv: { at: dateTime(u.disabled) } }) : el('td', { t: 'staff.active' }), el('td', {}, off));
  })));
}

async function createUser() {
  const body = { name: $('u-name').value.trim(), role: $('u-role').value, password: $('u-password').value };
  await api('/api/v1/users', { method: 'POST', body: JSON.stringify(body) });
  $('u-name').value = '';
  $('u-password').value = '';
  await showUsers();
  ui.app.changed('users');
  return ['staff.added', { name: body.name }];
}

async function disableUser(u) {
  if (!confirm(t('staff.confirm', { name: u.name }))) return;
  await act(ui.listOut, async () => {
    await api(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: 'DELETE' });
    await showUsers();
    ui.app.changed('users');
    return ['staff.disabled', { name: u.name }];
  });
}

export default {
  id: 'staff',
  title: 'nav.staff',
  mount(root, app) {
    ui.app = app;
    ui.list = el('div', { id: 'user-list' });
    ui.listOut = result('users-result');
    ui.out = result('user-result');
    const form = el('form', { id: 'user-create', class: 'card' },
      el('h3', { t: 'staff.new' }),
      el('div', { class: 'row' },
        field('staff.name', el('input', { id: 'u-name', required: true, maxlength: 64, autocomplete: 'off' })),
        field('staff.role', el('select', { id: 'u-role' }, el('option', { value: 'reviewer', t: 'staff.reviewer' }), el('option', { value: 'admin', t: 'staff.admin' }))),
        field('staff.pw', el('input', { id: 'u-password', type: 'password', required: true, minlength: 12, maxlength: 1024, autocomplete: 'new-password' })),
        el('button', { class: 'primary', t: 'staff.add' })),
      el('p', { class: 'hint', t: 'staff.hint' }),
      ui.out);
    handle(form, ui.out, createUser);
    root.append(el('div', { class: 'card', id: 'users' }, ui.list, ui.listOut), form);
  },
  enter: showUsers,
};
