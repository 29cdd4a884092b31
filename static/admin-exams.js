// Exams: the list (sorted and filtered here, it grows every term) and a new
// exam with its legal basis and the detectors it needs. The form checks the
// notice rule before it sends: 10 days between the announcement and the
// start, unless a crisis exception is written down.
import { addTexts, catalogue, dateOnly, dateTime, kindLabel, kindMeaning, onLang } from './i18n.js';
import { $, el } from './dom.js';
import { dataTable, field, handle, json, result } from './ui.js';

addTexts({
  en: {
    'nav.exams': 'Exams',
    'exams.list': 'Proctored exams',
    'exams.none': 'No exams yet.',
    'exams.col.exam': 'Exam',
    'exams.col.course': 'Course',
    'exams.col.start': 'Start',
    'exams.col.end': 'End',
    'exams.col.announced': 'Announced',
    'exams.col.detectors': 'Detectors',
    'exams.col.crisis': 'Crisis exception',
    'exams.new': 'New exam',
    'exams.name': 'Name',
    'exams.course': 'Course',
    'exams.start': 'Start',
    'exams.end': 'End',
    'exams.announced': 'Announced on',
    'exams.interval': 'Summary every (s)',
    'exams.legal': 'Legal basis',
    'exams.considered': 'Less intrusive alternatives that were considered, and why they do not suffice',
    'exams.alternative': 'Alternative exam offered to students who object (empty: none)',
    'exams.url': 'Exam URL (a path on this server, or an https origin allowed with --frame-origins)',
    'exams.detectors': 'Detectors',
    'exams.detectorsHint': 'Turn on only what this exam needs. Camera lost, detector stalled, page reloaded and clock skew are always recorded.',
    'exams.on': 'On',
    'exams.detector': 'Detector',
    'exams.threshold': 'Threshold (s)',
    'exams.crisis': 'Crisis exception: the reason to proctor with less than 10 days\' notice (empty: none)',
    'exams.create': 'Create exam',
    'exams.created': 'Exam {name} created. Next: import its students.',
    'exams.toStudents': 'Import students',
    'exams.endBeforeStart': 'The end must be after the start.',
    'exams.tooLong': 'An exam window may last at most 24 hours.',
    'exams.afterStart': 'The announcement cannot be after the start.',
    'exams.future': 'The announcement cannot be later than today.',
    'exams.notice': 'Only {days} days between announcement and start: proctoring needs 10 days\' notice. Announce earlier, or write the crisis exception below.',
    'exams.none.detectors': 'none',
  },
  nl: {
    'nav.exams': 'Tentamens',
    'exams.list': 'Tentamens met toezicht',
    'exams.none': 'Nog geen tentamens.',
    'exams.col.exam': 'Tentamen',
    'exams.col.course': 'Vak',
    'exams.col.start': 'Begin',
    'exams.col.end': 'Einde',
    'exams.col.announced': 'Aangekondigd',
    'exams.col.detectors': 'Detectoren',
    'exams.col.crisis': 'Crisisuitzondering',
    'exams.new': 'Nieuw tentamen',
    'exams.name': 'Naam',
    'exams.course': 'Vak',
    'exams.start': 'Begin',
    'exams.end': 'Einde',
    'exams.announced': 'Aangekondigd op',
    'exams.interval': 'Samenvatting elke (s)',
    'exams.legal': 'Rechtsgrond',
    'exams.considered': 'Minder ingrijpende alternatieven die zijn overwogen, en waarom ze niet volstaan',
    'exams.alternative': 'Alternatief tentamen voor studenten die bezwaar maken (leeg: geen)',
    'exams.url': 'Tentamen-URL (een pad op deze server, of een https-origin toegestaan met --frame-origins)',
    'exams.detectors': 'Detectoren',
    'exams.detectorsHint': 'Zet alleen aan wat dit tentamen nodig heeft. Camera weggevallen, detector vastgelopen, pagina herladen en klokafwijking worden altijd vastgelegd.',
    'exams.on': 'Aan',
    'exams.detector': 'Detector',
    'exams.threshold': 'Drempel (s)',
    'exams.crisis': 'Crisisuitzondering: de reden om met minder dan 10 dagen aankondiging toezicht te houden (leeg: geen)',
    'exams.create': 'Tentamen aanmaken',
    'exams.created': 'Tentamen {name} aangemaakt. Volgende stap: de studenten importeren.',
    'exams.toStudents': 'Studenten importeren',
    'exams.endBeforeStart': 'Het einde moet na het begin liggen.',
    'exams.tooLong': 'Een tentamenvenster duurt hoogstens 24 uur.',
    'exams.afterStart': 'De aankondiging kan niet na het begin liggen.',
    'exams.future': 'De aankondiging kan niet later zijn dan vandaag.',
    'exams.notice': 'Maar {days} dagen tussen aankondiging en begin: toezicht vraagt 10 dagen aankondiging. Kondig eerder aan, of vul hieronder de crisisuitzondering in.',
    'exams.none.detectors': 'geen',
  },
});

const ui = {};
const DAY = 24 * 3600 * 1000;

const detectorsCell = (e) => {
  const ds = e.detectors || [];
  if (!ds.length) return el('span', { class: 'hint', t: 'exams.none.detectors' });
  return el('span', {}, ...ds.flatMap((d, i) => [i ? ', ' : '', kindLabel(d.kind), d.threshold_s ? ` ≥ ${d.threshold_s} s` : '']));
};

async function showExams() {
  const exams = await ui.app.exams();
  ui.table.update(exams);
}

async function detectorRows() {
  const list = (await catalogue().catch(() => [])).filter((d) => !d.integrity);
  ui.detectors.replaceChildren(
    el('thead', {}, el('tr', {}, el('th', { t: 'exams.on' }), el('th', { t: 'exams.detector' }), el('th', { t: 'exams.threshold' }))),
    el('tbody', {}, ...list.map((d) => {
      const meaning = el('span', { class: 'hint meaning', 'data-kind': d.kind }, kindMeaning(d.kind));
      return el('tr', {},
        el('td', {}, el('input', { type: 'checkbox', 'data-kind': d.kind, id: `d-${d.kind}` })),
        el('td', {}, el('label', { for: `d-${d.kind}`, class: 'detector' }, el('strong', {}, kindLabel(d.kind)), meaning)),
        el('td', { class: 'field' }, d.default_s
          ? el('input', { type: 'number', min: 1, max: 120, step: 'any', value: d.default_s, 'data-threshold': d.kind, 'data-default': d.default_s, 'aria-label': d.kind })
          : '–'));
    })));
}

// localDay is the date input's day at local midnight.
function localDay(v) {
  const [y, m, d] = v.split('-').map(Number);
  return new Date(y, m - 1, d);
}

// problems are the rules the server applies that the browser can see
// before sending, in the order a person fixes them.
function problems() {
  const start = new Date($('e-start').value), end = new Date($('e-end').value);
  const announced = localDay($('e-announced').value);
  const out = [];
  if (end <= start) out.push([$('e-end'), 'exams.endBeforeStart']);
  else if (end - start > DAY) out.push([$('e-end'), 'exams.tooLong']);
  if (announced > new Date()) out.push([$('e-announced'), 'exams.future']);
  else if (announced > start) out.push([$('e-announced'), 'exams.afterStart']);
  else if (start - announced < 10 * DAY && !$('e-crisis').value.trim()) {
    out.push([$('e-announced'), 'exams.notice', { days: Math.floor((start - announced) / DAY) }]);
  }
  return out;
}

async function createExam() {
  const detectors = [...ui.detectors.querySelectorAll('input[type=checkbox]:checked')].map((b) => {
    const th = ui.detectors.querySelector(`[data-threshold="${b.dataset.kind}"]`);
    return { kind: b.dataset.kind, threshold_s: th ? Number(th.value) : 0 };
  });
  const body = {
    name: $('e-name').value.trim(),
    course: $('e-course').value.trim(),
    start: new Date($('e-start').value).toISOString(),
    end: new Date($('e-end').value).toISOString(),
    announced: localDay($('e-announced').value).toISOString(),
    legal_basis: $('e-legal').value.trim(),
    alternatives_considered: $('e-considered').value.trim(),
    alternative_exam: $('e-alternative').value.trim(),
    url: $('e-url').value.trim(),
    detectors,
    interval_s: Number($('e-interval').value),
    crisis: $('e-crisis').value.trim(),
  };
  const res = await json('/api/v1/exams', { method: 'POST', body: JSON.stringify(body) });
  ui.next.hidden = false;
  ui.next.dataset.exam = res.id;
  await showExams();
  ui.app.changed('exams');
  return ['exams.created', { name: res.name }];
}

export default {
  id: 'exams',
  title: 'nav.exams',
  async mount(root, app) {
    ui.app = app;
    ui.table = dataTable({
      id: 'exams-table',
      filter: true,
      initial: { col: 2, dir: -1 },
      rowAttrs: (e) => ({ 'data-exam': e.id }),
      columns: [
        { key: 'exams.col.exam', id: 'name', sort: (e) => e.name, cell: (e) => el('span', {}, el('strong', {}, e.name), el('br'), el('span', { class: 'mono hint' }, e.id)), text: (e) => `${e.name} ${e.id}` },
        { key: 'exams.col.course', id: 'course', sort: (e) => e.course, cell: (e) => e.course },
        { key: 'exams.col.start', id: 'start', sort: (e) => Date.parse(e.start), cell: (e) => dateTime(e.start), text: (e) => dateTime(e.start) },
        { key: 'exams.col.end', id: 'end', sort: (e) => Date.parse(e.end), cell: (e) => dateTime(e.end), text: (e) => dateTime(e.end) },
        { key: 'exams.col.announced', id: 'announced', sort: (e) => Date.parse(e.announced), cell: (e) => dateOnly(e.announced), text: (e) => dateOnly(e.announced) },
        { key: 'exams.col.detectors', cell: detectorsCell, text: (e) => (e.detectors || []).map((d) => d.kind).join(' ') },
        { key: 'exams.col.crisis', cell: (e) => e.crisis || '–', text: (e) => e.crisis || '' },
      ],
    });
    ui.detectors = el('table', { id: 'e-detectors', class: 'detectors' });
    ui.out = result('exam-result');
    ui.next = el('button', { type: 'button', class: 'next', t: 'exams.toStudents', hidden: true });
    ui.next.addEventListener('click', () => app.go('students').then(() => app.changed({ select: ui.next.dataset.exam })));
    const ta = (id, required) => el('textarea', { id, rows: 2, required, maxlength: 4000 });
    const form = el('form', { id: 'exam-create', class: 'card' },
      el('h3', { t: 'exams.new' }),
      el('div', { class: 'row' },
        field('exams.name', el('input', { id: 'e-name', required: true, maxlength: 200 })),
        field('exams.course', el('input', { id: 'e-course', required: true, maxlength: 100 })),
        field('exams.start', el('input', { id: 'e-start', type: 'datetime-local', required: true })),
        field('exams.end', el('input', { id: 'e-end', type: 'datetime-local', required: true })),
        field('exams.announced', el('input', { id: 'e-announced', type: 'date', required: true })),
        field('exams.interval', el('input', { id: 'e-interval', type: 'number', min: 5, max: 300, value: 30, required: true }))),
      el('div', { class: 'stack' },
        field('exams.legal', ta('e-legal', true)),
        field('exams.considered', ta('e-considered', true)),
        field('exams.alternative', ta('e-alternative', false)),
        field('exams.url', el('input', { id: 'e-url', value: '/sample-exam', required: true, maxlength: 2000 }))),
      el('h4', { t: 'exams.detectors' }),
      el('p', { class: 'hint', t: 'exams.detectorsHint' }),
      el('div', { class: 'scroll' }, ui.detectors),
      el('div', { class: 'stack' }, field('exams.crisis', el('input', { id: 'e-crisis', maxlength: 1000 }))),
      el('div', { class: 'row' }, el('button', { class: 'primary', t: 'exams.create' })),
      el('div', { class: 'row' }, ui.out, ui.next));
    handle(form, ui.out, createExam, problems);
    root.append(el('div', { class: 'card' }, el('h3', { t: 'exams.list' }), ui.table.node), form);
    onLang(() => {
      ui.table.redraw();
      for (const m of ui.detectors.querySelectorAll('.meaning')) m.textContent = kindMeaning(m.dataset.kind);
    });
    await detectorRows();
  },
  enter: showExams,
  refresh: showExams,
};
