// Retention: the policy in force, a change with its reason (logged with the
// old and new values), and the latest runs, counts only.
import { addTexts, dateTime } from './i18n.js';
import { $, el } from './dom.js';
import { act, field, handle, json, listTable, result } from './ui.js';

addTexts({
  en: {
    'nav.retention': 'Retention',
    'ret.hint': 'Applied every hour by the server. Sessions go a number of days after their exam window ends, or months after an active fraud or appeal mark if later; students go with their last session. Count batches are then kept as hourly totals. A change needs a reason and is logged with the old and new values.',
    'ret.session': 'Sessions (days)',
    'ret.marked': 'Marked (months)',
    'ret.count': 'Count batches (days)',
    'ret.access': 'Access log (years)',
    'ret.review': 'Review period (days after the window; deletion requests before it wait for an admin)',
    'ret.reason': 'Reason for the change',
    'ret.change': 'Change policy',
    'ret.changed': 'Policy changed; the next run applies it.',
    'ret.run': 'Run now',
    'ret.ran': 'Run done: {sessions} sessions, {students} students, {batches} count batches, {access} access-log entries deleted.',
    'ret.runs': 'Latest runs',
    'ret.none': 'No runs yet.',
    'ret.col.at': 'When',
    'ret.col.trigger': 'Trigger',
    'ret.col.sessions': 'sessions',
    'ret.col.students': 'students',
    'ret.col.summaries': 'summaries',
    'ret.col.count_batches': 'count batches',
    'ret.col.hourly_rows': 'hourly rows',
    'ret.col.access_entries': 'access entries',
    'ret.same': 'Nothing would change: edit a value first.',
  },
  nl: {
    'nav.retention': 'Bewaartermijnen',
    'ret.hint': 'De server past dit elk uur toe. Sessies gaan een aantal dagen na het einde van hun tentamenvenster, of maanden na een actieve markering voor fraude of beroep als dat later is; studenten gaan met hun laatste sessie. Telbatches worden daarna als uurtotalen bewaard. Een wijziging vraagt een reden en wordt met de oude en nieuwe waarden vastgelegd.',
    'ret.session': 'Sessies (dagen)',
    'ret.marked': 'Gemarkeerd (maanden)',
    'ret.count': 'Telbatches (dagen)',
    'ret.access': 'Toegangslogboek (jaren)',
    'ret.review': 'Controletermijn (dagen na het venster; verwijderverzoeken daarvoor wachten op een beheerder)',
    'ret.reason': 'Reden van de wijziging',
    'ret.change': 'Beleid wijzigen',
    'ret.changed': 'Beleid gewijzigd; de volgende ronde past het toe.',
    'ret.run': 'Nu uitvoeren',
    'ret.ran': 'Ronde klaar: {sessions} sessies, {students} studenten, {batches} telbatches, {access} logregels verwijderd.',
    'ret.runs': 'Laatste rondes',
    'ret.none': 'Nog geen rondes.',
    'ret.col.at': 'Wanneer',
    'ret.col.trigger': 'Aanleiding',
    'ret.col.sessions': 'sessies',
    'ret.col.students': 'studenten',
    'ret.col.summaries': 'samenvattingen',
    'ret.col.count_batches': 'telbatches',
    'ret.col.hourly_rows': 'uurregels',
    'ret.col.access_entries': 'logregels',
    'ret.same': 'Er verandert niets: pas eerst een waarde aan.',
  },
});

const FIELDS = { session_days: 'ret-session', marked_months: 'ret-marked', count_days: 'ret-count', access_log_years: 'ret-access', review_days: 'ret-review' };
const COLS = ['sessions', 'students', 'summaries', 'count_batches', 'hourly_rows', 'access_entries'];
const ui = { policy: null };

async function showRetention() {
  const st = await json('/api/v1/retention');
  ui.policy = st.policy;
  for (const [k, id] of Object.entries(FIELDS)) $(id).value = st.policy[k];
  ui.records.replaceChildren(st.records.length
    ? listTable('ret-table', 'ret', ['at', 'trigger', ...COLS], st.records.map((r) => el('tr', {},
      el('td', {}, dateTime(r.at)), el('td', {}, r.trigger), ...COLS.map((c) => el('td', {}, String(r.deleted[c]))))))
    : el('p', { class: 'hint', t: 'ret.none' }));
}

const same = () => (ui.policy && Object.entries(FIELDS).every(([k, id]) => Number($(id).value) === ui.policy[k])
  ? [[$('ret-session'), 'ret.same']] : []);

async function setRetention() {
  const body = { reason: $('ret-reason').value.trim() };
  for (const [k, id] of Object.entries(FIELDS)) body[k] = Number($(id).value);
  await json('/api/v1/retention', { method: 'PUT', body: JSON.stringify(body) });
  $('ret-reason').value = '';
  await showRetention();
  return ['ret.changed'];
}

function runRetention() {
  return act(ui.runOut, async () => {
    const r = await json('/api/v1/retention/run', { method: 'POST' });
    await showRetention();
    return ['ret.ran', { sessions: r.deleted.sessions, students: r.deleted.students, batches: r.deleted.count_batches, access: r.deleted.access_entries }];
  });
}

export default {
  id: 'retention',
  title: 'nav.retention',
  mount(root) {
    const num = (id, min, max) => el('input', { id, type: 'number', min, max, required: true });
    ui.out = result('ret-result');
    ui.runOut = result('ret-run-result');
    ui.records = el('div', { id: 'ret-records' });
    const form = el('form', { id: 'ret-form', class: 'card' },
      el('p', { class: 'hint', t: 'ret.hint' }),
      el('div', { class: 'row' },
        field('ret.session', num('ret-session', 1, 3650)), field('ret.marked', num('ret-marked', 1, 120)),
        field('ret.count', num('ret-count', 1, 3650)), field('ret.access', num('ret-access', 1, 30))),
      el('div', { class: 'stack' },
        field('ret.review', num('ret-review', 1, 3650)),
        field('ret.reason', el('input', { id: 'ret-reason', required: true, maxlength: 2000 }))),
      el('div', { class: 'row' }, el('button', { class: 'primary', t: 'ret.change' })),
      ui.out);
    handle(form, ui.out, setRetention, same);
    const run = el('button', { id: 'ret-run', type: 'button', t: 'ret.run' });
    run.addEventListener('click', runRetention);
    root.append(form, el('div', { class: 'card' }, el('h3', { t: 'ret.runs' }), ui.records, el('div', { class: 'row' }, run, ui.runOut)));
  },
  enter: showRetention,
};
