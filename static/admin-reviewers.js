// Reviewers: tokens for an exam committee's scripts (shown once, expiring,
// revocable) and who reviews which exam, tokens and accounts alike.
import { addTexts, dateOnly, dateTime, t as text } from './i18n.js';
import { $, el } from './dom.js';
import { act, api, field, handle, json, listTable, result, show } from './ui.js';

addTexts({
  en: {
    'nav.reviewers': 'Reviewers',
    'rev.hint': 'A reviewer token is for scripts of an exam committee. It is shown once, expires (90 days unless you choose otherwise) and can be revoked at once. Reviewers, tokens and accounts alike, see only the exams they are assigned to below; admins see every exam.',
    'rev.tokens': 'Reviewer tokens',
    'rev.none': 'No reviewer tokens yet.',
    'rev.col.name': 'Name',
    'rev.col.id': 'Id',
    'rev.col.created': 'Created',
    'rev.col.state': 'State',
    'rev.col.exams': 'Exams',
    'rev.revoked': 'revoked {at}',
    'rev.expired': 'expired {at}',
    'rev.valid': 'valid until {at}',
    'rev.revoke': 'Revoke',
    'rev.confirmRevoke': 'Revoke the token of {name}? It stops working at once.',
    'rev.revokedNow': 'Token of {name} revoked.',
    'rev.name': 'Name',
    'rev.days': 'Valid for (days)',
    'rev.make': 'Make token',
    'rev.token': 'Token for {name}, shown only now: {token}',
    'rev.assign': 'Who reviews which exam',
    'rev.noExams': 'No exams yet.',
    'rev.noReviewers': 'No reviewers yet: add a reviewer account under Staff accounts, or make a token above.',
    'rev.account': '{name} (account)',
    'rev.tokenLabel': '{name} (token)',
    'rev.save': 'Save',
    'rev.saved': 'Reviewers of {exam} saved.',
  },
  nl: {
    'nav.reviewers': 'Beoordelaars',
    'rev.hint': 'Een beoordelaarstoken is voor scripts van een examencommissie. Het wordt één keer getoond, verloopt (na 90 dagen, tenzij je anders kiest) en kan meteen worden ingetrokken. Beoordelaars, tokens en accounts, zien alleen de tentamens die hieronder aan hen zijn toegewezen; beheerders zien elk tentamen.',
    'rev.tokens': 'Beoordelaarstokens',
    'rev.none': 'Nog geen beoordelaarstokens.',
    'rev.col.name': 'Naam',
    'rev.col.id': 'Id',
    'rev.col.created': 'Gemaakt',
    'rev.col.state': 'Status',
    'rev.col.exams': 'Tentamens',
    'rev.revoked': 'ingetrokken {at}',
    'rev.expired': 'verlopen {at}',
    'rev.valid': 'geldig tot {at}',
    'rev.revoke': 'Intrekken',
    'rev.confirmRevoke': 'Het token van {name} intrekken? Het werkt dan meteen niet meer.',
    'rev.revokedNow': 'Token van {name} ingetrokken.',
    'rev.name': 'Naam',
    'rev.days': 'Geldig (dagen)',
    'rev.make': 'Token maken',
    'rev.token': 'Token voor {name}, alleen nu getoond: {token}',
    'rev.assign': 'Wie beoordeelt welk tentamen',
    'rev.noExams': 'Nog geen tentamens.',
    'rev.noReviewers': 'Nog geen beoordelaars: voeg een beoordelaarsaccount toe onder Medewerkers, of maak hierboven een token.',
    'rev.account': '{name} (account)',
    'rev.tokenLabel': '{name} (token)',
    'rev.save': 'Opslaan',
    'rev.saved': 'Beoordelaars van {exam} opgeslagen.',
  },
});

const ui = {};
const span = (key, tv) => el('span', { t: key, tv });

function tokenState(r) {
  if (r.revoked) return span('rev.revoked', { at: dateTime(r.revoked) });
  if (new Date(r.expires) <= new Date()) return span('rev.expired', { at: dateOnly(r.expires) });
  return span('rev.valid', { at: dateOnly(r.expires) });
}

async function revoke(r) {
  if (!confirm(text('rev.confirmRevoke', { name: r.name }))) return;
  await act(ui.listOut, async () => {
    await api(`/api/v1/reviewers/${encodeURIComponent(r.id)}`, { method: 'DELETE' });
    await showReviewers();
    return ['rev.revokedNow', { name: r.name }];
  });
}

// showReviewers lists the tokens, then for each exam who may review it:
// live tokens and enabled reviewer accounts, as checkboxes.
async function showReviewers() {
  const [{ reviewers }, { users }, exams] = await Promise.all([json('/api/v1/reviewers'), json('/api/v1/users'), ui.app.exams()]);
  ui.list.replaceChildren(reviewers.length ? listTable('reviewers-table', 'rev', ['name', 'id', 'created', 'state', 'exams', ''], reviewers.map((r) => {
    const b = el('button', { type: 'button', 'data-reviewer': r.id, t: 'rev.revoke', hidden: Boolean(r.revoked) });
    b.addEventListener('click', () => revoke(r));
    return el('tr', { 'data-name': r.name },
      el('td', {}, r.name), el('td', { class: 'mono' }, r.id), el('td', {}, dateOnly(r.created)),
      el('td', {}, tokenState(r)), el('td', {}, String(r.exams.length)), el('td', {}, b));
  })) : el('p', { class: 'hint', t: 'rev.none' }));

  const who = [
    ...users.filter((u) => u.role === 'reviewer' && !u.disabled).map((u) => ({ id: u.id, key: 'rev.account', name: u.name })),
    ...reviewers.filter((r) => !r.revoked && new Date(r.expires) > new Date()).map((r) => ({ id: r.id, key: 'rev.tokenLabel', name: r.name })),
  ];
  if (exams.length === 0 || who.length === 0) {
    ui.assign.replaceChildren(el('p', { class: 'hint', t: exams.length ? 'rev.noReviewers' : 'rev.noExams' }));
    return;
  }
  const rows = await Promise.all(exams.map(async (e) => {
    const { reviewers: assigned } = await json(`/api/v1/exams/${encodeURIComponent(e.id)}/reviewers`);
    const boxes = who.map((w) => el('label', { class: 'inline' },
      el('input', { type: 'checkbox', value: w.id, checked: assigned.includes(w.id) }), span(w.key, { name: w.name })));
    const out = result();
    const save = el('button', { type: 'button', t: 'rev.save' });
    save.addEventListener('click', async () => {
      // Assigned ids this page does not show (revoked tokens, disabled
      // accounts) stay assigned: only an admin's tick changes them.
      const shown = new Set(who.map((w) => w.id));
      const ids = [...assigned.filter((id) => !shown.has(id)),
        ...boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value)];
      await act(out, async () => {
        await api(`/api/v1/exams/${encodeURIComponent(e.id)}/reviewers`, { method: 'PUT', body: JSON.stringify({ reviewers: ids }) });
        return ['rev.saved', { exam: e.name }];
      });
    });
    return el('tr', { 'data-exam': e.id }, el('th', { scope: 'row' }, e.name), el('td', {}, ...boxes, save, out));
  }));
  ui.assign.replaceChildren(el('div', { class: 'scroll' }, el('table', { id: 'assignments-table' }, el('tbody', {}, ...rows))));
}

async function createReviewer() {
  const body = { name: $('r-name').value.trim(), valid_days: Number($('r-days').value) };
  const { reviewer, token } = await json('/api/v1/reviewers', { method: 'POST', body: JSON.stringify(body) });
  $('r-name').value = '';
  show(ui.token, 'rev.token', { name: reviewer.name, token });
  await showReviewers();
}

export default {
  id: 'reviewers',
  title: 'nav.reviewers',
  mount(root, app) {
    ui.app = app;
    ui.list = el('div', { id: 'reviewer-list' });
    ui.listOut = result('reviewers-result');
    ui.assign = el('div', { id: 'assignments' });
    ui.token = el('output', { id: 'r-token', class: 'result mono', role: 'status', hidden: true });
    const form = el('form', { id: 'reviewer-create', class: 'row' },
      field('rev.name', el('input', { id: 'r-name', required: true, maxlength: 64, autocomplete: 'off' })),
      field('rev.days', el('input', { id: 'r-days', type: 'number', min: 1, max: 366, value: 90, required: true })),
      el('button', { class: 'primary', t: 'rev.make' }));
    handle(form, ui.token, createReviewer);
    root.append(
      el('div', { class: 'card' }, el('p', { class: 'hint', t: 'rev.hint' }), el('h3', { t: 'rev.tokens' }), ui.list, ui.listOut, form, ui.token),
      el('div', { class: 'card' }, el('h3', { t: 'rev.assign' }), ui.assign));
  },
  enter: showReviewers,
  onChange(what) { if (what === 'users' || what === 'exams') showReviewers().catch(() => {}); },
};
