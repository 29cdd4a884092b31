// Access log: who did what to whose data, a page at a time (reading it is
// itself logged, so it is read when asked for), sorted and filtered on the
// page, and the whole log as a file for `lokaal audit verify`.
import { addTexts, dateTime, t } from './i18n.js';
import { el, saveBlob } from './dom.js';
import { act, api, dataTable, field, handle, json, result } from './ui.js';

addTexts({
  en: {
    'nav.accessLog': 'Access log',
    'log.hint': 'Every view and change of personal data, and every login, is appended here and can never be edited. Reading or exporting the log is itself logged. The export is the file `lokaal audit verify` checks.',
    'log.from': 'From entry',
    'log.limit': 'Entries',
    'log.load': 'Show entries',
    'log.next': 'Next page',
    'log.export': 'Export the whole log (NDJSON)',
    'log.exported': 'Saved {file}.',
    'log.loaded': 'Entries {from} to {to} shown.',
    'log.empty': 'No entries from {from} on.',
    'log.col.seq': 'No.',
    'log.col.at': 'When',
    'log.col.who': 'Who',
    'log.col.kind': 'As',
    'log.col.action': 'What',
    'log.col.subject': 'Of what',
    'log.col.reason': 'Why',
    'actor.staff': 'staff account',
    'actor.admin_token': 'admin token',
    'actor.reviewer_token': 'reviewer token',
    'actor.student': 'student',
    'actor.system': 'lokaal',
    'actor.anonymous': 'not logged in',
    'actor.unknown': 'unknown',
    'act.view': 'viewed',
    'act.export counts': 'exported counts',
    'act.read access log': 'read the access log',
    'act.export access log': 'exported the access log',
    'act.add mark': 'added a mark',
    'act.remove mark': 'lifted a mark',
    'act.add note': 'added a note',
    'act.create exam': 'created an exam',
    'act.update exam': 'changed an exam',
    'act.set accommodations': 'set accommodations',
    'act.import students': 'imported students',
    'act.create reviewer': 'made a reviewer token',
    'act.revoke reviewer': 'revoked a reviewer token',
    'act.assign reviewers': 'assigned reviewers',
  },
  nl: {
    'nav.accessLog': 'Toegangslogboek',
    'log.hint': 'Elke inzage en wijziging van persoonsgegevens, en elke login, wordt hier toegevoegd en kan nooit worden bewerkt. Het logboek lezen of exporteren wordt zelf ook vastgelegd. De export is het bestand dat `lokaal audit verify` controleert.',
    'log.from': 'Vanaf regel',
    'log.limit': 'Regels',
    'log.load': 'Regels tonen',
    'log.next': 'Volgende pagina',
    'log.export': 'Het hele logboek exporteren (NDJSON)',
    'log.exported': '{file} opgeslagen.',
    'log.loaded': 'Regels {from} tot en met {to} getoond.',
    'log.empty': 'Geen regels vanaf {from}.',
    'log.col.seq': 'Nr.',
    'log.col.at': 'Wanneer',
    'log.col.who': 'Wie',
    'log.col.kind': 'Als',
    'log.col.action': 'Wat',
    'log.col.subject': 'Waarvan',
    'log.col.reason': 'Waarom',
    'actor.staff': 'medewerkersaccount',
    'actor.admin_token': 'beheertoken',
    'actor.reviewer_token': 'beoordelaarstoken',
    'actor.student': 'student',
    'actor.system': 'lokaal',
    'actor.anonymous': 'niet ingelogd',
    'actor.unknown': 'onbekend',
    'act.view': 'bekeken',
    'act.export counts': 'tellingen geëxporteerd',
    'act.read access log': 'toegangslogboek gelezen',
    'act.export access log': 'toegangslogboek geëxporteerd',
    'act.add mark': 'markering toegevoegd',
    'act.remove mark': 'markering opgeheven',
    'act.add note': 'notitie toegevoegd',
    'act.create exam': 'tentamen aangemaakt',
    'act.update exam': 'tentamen gewijzigd',
    'act.set accommodations': 'voorzieningen ingesteld',
    'act.import students': 'studenten geïmporteerd',
    'act.create reviewer': 'beoordelaarstoken gemaakt',
    'act.revoke reviewer': 'beoordelaarstoken ingetrokken',
    'act.assign reviewers': 'beoordelaars toegewezen',
  },
});

const ui = {};

// The server's action names are English identifiers; a known one is shown
// in the reader's words, an unknown one as it is.
const action = (a) => {
  const s = t(`act.${a}`);
  return s === `act.${a}` ? a : s;
};
const kind = (k) => t(`actor.${k || 'unknown'}`);

async function load() {
  const from = Number(ui.from.value), limit = Number(ui.limit.value);
  const { entries } = await json(`/api/v1/audit?from=${from}&limit=${limit}`);
  ui.table.update(entries);
  ui.next.hidden = entries.length < limit;
  ui.last = entries.at(-1)?.seq;
  return entries.length ? ['log.loaded', { from: entries[0].seq, to: entries.at(-1).seq }] : ['log.empty', { from }];
}

function exportLog() {
  return act(ui.exportOut, async () => {
    const blob = await (await api('/api/v1/audit/export')).blob();
    const file = 'lokaal-access-log.ndjson';
    saveBlob(blob, file);
    return ['log.exported', { file }];
  });
}

export default {
  id: 'access-log',
  title: 'nav.accessLog',
  mount(root) {
    ui.from = el('input', { id: 'log-from', type: 'number', min: 1, max: 9007199254740991, value: 1, required: true });
    ui.limit = el('input', { id: 'log-limit', type: 'number', min: 1, max: 1000, value: 200, required: true });
    ui.out = result('log-result');
    ui.exportOut = result('log-export-result');
    ui.next = el('button', { type: 'button', id: 'log-next', t: 'log.next', hidden: true });
    ui.table = dataTable({
      id: 'log-table',
      filter: true,
      initial: { col: 0, dir: -1 },
      rowAttrs: (e) => ({ 'data-seq': e.seq, 'data-action': e.action }),
      columns: [
        { key: 'log.col.seq', id: 'seq', sort: (e) => e.seq, cell: (e) => String(e.seq) },
        { key: 'log.col.at', id: 'at', sort: (e) => Date.parse(e.at), cell: (e) => dateTime(e.at), text: (e) => dateTime(e.at) },
        { key: 'log.col.who', id: 'who', sort: (e) => e.who, cell: (e) => e.who },
        { key: 'log.col.kind', id: 'kind', sort: (e) => kind(e.actor_kind), cell: (e) => kind(e.actor_kind) },
        { key: 'log.col.action', id: 'action', sort: (e) => action(e.action), cell: (e) => action(e.action), text: (e) => `${action(e.action)} ${e.action}` },
        { key: 'log.col.subject', id: 'subject', sort: (e) => e.subject, cell: (e) => e.subject, class: 'wrap' },
        { key: 'log.col.reason', id: 'reason', sort: (e) => e.reason, cell: (e) => e.reason || '', class: 'wrap' },
      ],
    });
    const form = el('form', { id: 'log-form', class: 'row' },
      field('log.from', ui.from), field('log.limit', ui.limit), el('button', { class: 'primary', t: 'log.load' }), ui.next, ui.out);
    handle(form, ui.out, load);
    ui.next.addEventListener('click', () => {
      ui.from.value = String((ui.last || 0) + 1);
      form.requestSubmit();
    });
    const exp = el('button', { type: 'button', id: 'log-export', t: 'log.export' });
    exp.addEventListener('click', exportLog);
    root.append(el('div', { class: 'card' }, el('p', { class: 'hint', t: 'log.hint' }), form, ui.table.node,
      el('div', { class: 'row' }, exp, ui.exportOut)));
  },
};
