// Students & links: import an exam's students from CSV and hand out their
// access links. A link is shown only once, so the table keeps every link
// made during this visit (sorted and filtered), until the page is closed.
import { addTexts, catalogue, kindLabel } from './i18n.js';
import { $, el } from './dom.js';
import { act, api, dataTable, field, handle, json, result, show } from './ui.js';

addTexts({
  en: {
    'nav.students': 'Students & links',
    'students.exam': 'Exam',
    'students.noExam': 'Create an exam first, under Exams.',
    'students.csv': 'CSV, one student per line: student_id,email',
    'students.import': 'Import and make links',
    'students.hint': 'Each link works for one student. It is shown only now: send it to that student. Accommodations switch detectors off for one student.',
    'students.imported': '{n} students imported into {exam}. Their links are in the table below, shown only during this visit.',
    'students.col.student': 'Student',
    'students.col.email': 'Email',
    'students.col.exam': 'Exam',
    'students.col.link': 'Access link',
    'students.col.acc': 'Accommodations (switched off)',
    'students.save': 'Save',
    'students.saved': 'Saved: {off} off.',
    'students.csvLine': 'Line {n}: write student_id,email (two fields, separated by a comma).',
    'students.csvEmail': 'Line {n}: "{email}" is not an email address.',
    'students.csvDup': 'Line {n}: student {id} appears twice.',
    'students.empty': 'No links made during this visit yet.',
    'students.show': 'Show this exam\'s students',
    'students.linkOnce': 'shown once, at import',
    'students.listed': '{n} students of {exam}. Reading this list is logged.',
  },
  nl: {
    'nav.students': 'Studenten en links',
    'students.exam': 'Tentamen',
    'students.noExam': 'Maak eerst een tentamen aan, onder Tentamens.',
    'students.csv': 'CSV, één student per regel: studentnummer,e-mail',
    'students.import': 'Importeren en links maken',
    'students.hint': 'Elke link werkt voor één student. Hij wordt alleen nu getoond: stuur hem naar die student. Voorzieningen zetten detectoren uit voor één student.',
    'students.imported': '{n} studenten geïmporteerd in {exam}. Hun links staan in de tabel hieronder, alleen tijdens dit bezoek.',
    'students.col.student': 'Student',
    'students.col.email': 'E-mail',
    'students.col.exam': 'Tentamen',
    'students.col.link': 'Toegangslink',
    'students.col.acc': 'Voorzieningen (uitgeschakeld)',
    'students.show': 'Studenten van dit tentamen tonen',
    'students.linkOnce': 'één keer getoond, bij het importeren',
    'students.listed': '{n} studenten van {exam}. Het lezen van deze lijst wordt vastgelegd.',
    'students.save': 'Opslaan',
    'students.saved': 'Opgeslagen: {off} uit.',
    'students.csvLine': 'Regel {n}: schrijf studentnummer,e-mail (twee velden, gescheiden door een komma).',
    'students.csvEmail': 'Regel {n}: "{email}" is geen e-mailadres.',
    'students.csvDup': 'Regel {n}: student {id} staat er twee keer in.',
    'students.empty': 'Tijdens dit bezoek zijn nog geen links gemaakt.',
  },
});

const ui = { made: [] };

async function loadExams(select) {
  const exams = await ui.app.exams();
  const current = select || ui.exam.value;
  ui.exam.replaceChildren(...exams.map((e) => el('option', { value: e.id }, `${e.name} (${e.course})`)));
  if (exams.some((e) => e.id === current)) ui.exam.value = current;
  ui.names = new Map(exams.map((e) => [e.id, e.name]));
  ui.noExam.hidden = exams.length > 0;
}

// csvProblems checks the lines as the server will (one header row allowed),
// so a typo is found before anything is sent.
function csvProblems() {
  const lines = $('i-csv').value.replace(/^\ufeff/, '').split(/\r?\n/);
  const seen = new Set();
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    const parts = line.split(',').map((p) => p.trim().replace(/^"|"$/g, ''));
    if (i === 0 && /student/i.test(parts[0]) && /mail/i.test(parts[1] || '')) continue; // a header
    if (parts.length !== 2 || !parts[0]) return [[$('i-csv'), 'students.csvLine', { n: i + 1 }]];
    if (!/^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(parts[1])) return [[$('i-csv'), 'students.csvEmail', { n: i + 1, email: parts[1] }]];
    if (seen.has(parts[0])) return [[$('i-csv'), 'students.csvDup', { n: i + 1, id: parts[0] }]];
    seen.add(parts[0]);
  }
  return [];
}

// accommodations are the detectors switched off for one student, with their
// own save and result.
function accommodations(s) {
  const boxes = ui.kinds.map((kind) => el('label', { class: 'inline' },
    el('input', { type: 'checkbox', value: kind, checked: s.accommodations?.includes(kind) }), kindLabel(kind)));
  const out = result();
  const save = el('button', { type: 'button', t: 'students.save' });
  save.addEventListener('click', async () => {
    const off = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    await act(out, async () => {
      await api(`/api/v1/students/${encodeURIComponent(s.id)}/accommodations`, { method: 'PUT', body: JSON.stringify({ off }) });
      s.accommodations = off;
      return ['students.saved', { off: off.join(', ') || '–' }];
    });
  });
  return el('div', { class: 'accommodations' }, ...boxes, save, out);
}

// showStudents lists the exam's students as stored (a link is never
// stored, so only the links made during this visit show). Reading the
// list is logged, so it is read when asked for, not on every visit.
async function showStudents() {
  const exam = ui.exam.value;
  const { students } = await json(`/api/v1/exams/${encodeURIComponent(exam)}/students`);
  const made = new Map(ui.made.map((s) => [s.id, s]));
  const listed = students.map((s) => made.get(s.id) || { ...s, exam: ui.names.get(exam) || exam, cell: accommodations(s) });
  const ids = new Set(listed.map((s) => s.id));
  ui.table.update([...ui.made.filter((s) => !ids.has(s.id)), ...listed]);
  ui.empty.hidden = true;
  show(ui.listOut, 'students.listed', { n: students.length, exam: ui.names.get(exam) || exam });
}

async function importStudents() {
  const exam = ui.exam.value;
  const res = await api(`/api/v1/exams/${encodeURIComponent(exam)}/students`, { method: 'POST', type: 'text/csv', body: $('i-csv').value });
  const { students } = await res.json();
  for (const s of students) {
    s.exam = ui.names.get(exam) || exam;
    s.url = new URL(s.link, location.origin).href;
    s.cell = accommodations(s); // made once: a sort or filter keeps its state
  }
  ui.made = [...students, ...ui.made];
  ui.table.update(ui.made);
  ui.empty.hidden = true;
  $('i-csv').value = '';
  return ['students.imported', { n: students.length, exam: ui.names.get(exam) || exam }];
}

export default {
  id: 'students',
  title: 'nav.students',
  async mount(root, app) {
    ui.app = app;
    ui.kinds = (await catalogue().catch(() => [])).filter((d) => !d.integrity).map((d) => d.kind);
    ui.exam = el('select', { id: 'i-exam', required: true });
    ui.noExam = el('p', { class: 'hint', t: 'students.noExam', hidden: true });
    ui.out = result('import-result');
    ui.empty = el('p', { class: 'hint', t: 'students.empty' });
    ui.table = dataTable({
      id: 'student-links',
      filter: true,
      rowAttrs: (s) => ({ 'data-student': s.student_id }),
      columns: [
        { key: 'students.col.student', id: 'student', sort: (s) => s.student_id, cell: (s) => s.student_id },
        { key: 'students.col.email', id: 'email', sort: (s) => s.email, cell: (s) => s.email },
        { key: 'students.col.exam', id: 'exam', sort: (s) => s.exam, cell: (s) => s.exam },
        { key: 'students.col.link', cell: (s) => (s.url ? el('a', { href: s.url, class: 'mono' }, s.url) : el('span', { class: 'hint', t: 'students.linkOnce' })) },
        { key: 'students.col.acc', cell: (s) => s.cell },
      ],
    });
    const form = el('form', { id: 'import', class: 'card' },
      el('div', { class: 'row' }, field('students.exam', ui.exam)), ui.noExam,
      el('div', { class: 'stack' }, field('students.csv', el('textarea', { id: 'i-csv', rows: 5, required: true, placeholder: 's1234567,a.student@example.edu' }))),
      el('div', { class: 'row' }, el('button', { class: 'primary', t: 'students.import' })),
      el('p', { class: 'hint', t: 'students.hint' }),
      ui.out);
    handle(form, ui.out, importStudents, csvProblems);
    ui.listOut = result('list-result');
    const list = el('button', { id: 'show-students', type: 'button', t: 'students.show' });
    list.addEventListener('click', () => showStudents().catch((e) => show(ui.listOut, e)));
    root.append(form, el('div', { class: 'card', id: 'links' }, el('div', { class: 'row' }, list, ui.listOut), ui.empty, ui.table.node));
  },
  enter: () => loadExams(),
  onChange(what) {
    if (what === 'exams') loadExams().catch(() => {});
    if (what?.select) loadExams(what.select).catch(() => {});
  },
};
