// lokaal review: the exam committee's view of proctored sessions. Built with
// DOM APIs only (the CSP forbids inline script and style). There is no score
// and no ranking: sessions come sorted by student number, and each shows
// its counts per kind next to the evidence.
import { addTexts, catalogue, currentLang, dateTime, kindName, langToggle, onLang, serverZone, t, timeOnly } from './i18n.js';
import { $, el, insertSVG, status } from './dom.js';
import { api, logOut, whoAmI } from './ui.js';

addTexts({
  en: {
    'rv.title': 'review',
    'rv.logged': 'Every time you open a student\'s data it is logged with your name, and the student sees it. Opening the same data again within 10 minutes is the same view: it is logged once, so a refresh adds nothing. The log is append-only.',
    'rv.zone': 'Times are in {zone}.',
    'rv.col.build': 'Build',
    'rv.build.published': 'published',
    'rv.build.other': 'not the published build',
    'rv.exam': 'Exam',
    'rv.load': 'Show sessions',
    'rv.noScore': 'Sessions are listed by student number. There is no score and no ranking: the events are evidence to look at, not a verdict.',
    'rv.timeline': 'Timeline',
    'rv.events': 'Events',
    'rv.marks': 'Marks',
    'rv.markHint': 'A mark extends retention from 45 days to 6 months. Lift it when it no longer applies.',
    'rv.mark': 'Mark',
    'rv.reason': 'Reason',
    'rv.addMark': 'Add mark',
    'rv.notes': 'Notes',
    'rv.notesHint': 'Notes are for reviewers; the student does not see them.',
    'rv.note': 'Note',
    'rv.addNote': 'Add note',
    'rv.views': 'Who viewed this student\'s data',
    'mark.suspected_fraud': 'Suspected fraud',
    'mark.appeal': 'Appeal',
    'rv.examOption': '{name} ({course}) {start}: {n} sessions',
    'rv.examNoFace': ', {n} with face not seen at pre-check',
    'rv.noExams': 'No exams assigned to you yet.',
    'rv.col.student': 'Student',
    'rv.col.choice': 'Choice',
    'rv.col.acc': 'Accommodations (off)',
    'rv.col.session': 'Session',
    'rv.col.started': 'Started',
    'rv.col.finished': 'Finished',
    'rv.col.marks': 'Marks',
    'rv.col.kind': 'Kind',
    'rv.col.start': 'Start',
    'rv.col.end': 'End',
    'rv.col.duration': 'Duration',
    'rv.col.peak': 'Peak',
    'choice.': 'none yet',
    'choice.proctored': 'proctored',
    'choice.alternative': 'alternative exam',
    'rv.noSession': 'No session.',
    'rv.noStudents': 'No students on this exam.',
    'rv.noFace': 'face not seen at pre-check: face detectors unreliable',
    'rv.facesSeen': ' (a face in {n} of {m} pre-check frames)',
    'rv.noFrames': ' (no pre-check frames)',
    'rv.count': '{all} sessions; {n} with face not seen at pre-check.',
    'rv.objection': 'Objection ({at}): {reason}',
    'rv.session': 'Session {id}: {student}',
    'rv.meta': '{exam} ({course}). Started {start}, {end}. {n} summaries stored, last seq {seq}. Choice: {choice}. Accommodations (off): {acc}.',
    'rv.finishedAt': 'finished {at}',
    'rv.notFinished': 'not finished',
    'rv.detectors': 'Detectors: {list}.',
    'rv.unreliableText': '. Face absent and looking away are not evidence of anything for this session. The camera, its angle or the light may be the cause, or a client that claims no face: compare the build with the published one.',
    'rv.published': 'build {build} (the published one)',
    'rv.notPublished': 'build {build} (not the build this server serves now)',
    'rv.unreliableTag': ' (unreliable for this session)',
    'rv.noEvents': 'No events.',
    'rv.lift': 'Lift',
    'rv.liftWhy': 'Why is this mark lifted? (required, kept with the mark)',
    'rv.lifted': ' lifted {at}',
    'rv.none': 'none',
  },
  nl: {
    'rv.title': 'beoordeling',
    'rv.logged': 'Elke keer dat je de gegevens van een student opent, wordt dat met je naam vastgelegd, en de student ziet het. Dezelfde gegevens binnen 10 minuten opnieuw openen is dezelfde inzage: die wordt één keer vastgelegd, dus verversen voegt niets toe. Het logboek wordt alleen aangevuld.',
    'rv.zone': 'Tijden zijn in {zone}.',
    'rv.col.build': 'Build',
    'rv.build.published': 'gepubliceerd',
    'rv.build.other': 'niet de gepubliceerde build',
    'rv.exam': 'Tentamen',
    'rv.load': 'Sessies tonen',
    'rv.noScore': 'Sessies staan op studentnummer. Er is geen score en geen rangorde: de gebeurtenissen zijn bewijs om te bekijken, geen oordeel.',
    'rv.timeline': 'Tijdlijn',
    'rv.events': 'Gebeurtenissen',
    'rv.marks': 'Markeringen',
    'rv.markHint': 'Een markering verlengt de bewaartermijn van 45 dagen tot 6 maanden. Hef haar op als ze niet meer van toepassing is.',
    'rv.mark': 'Markering',
    'rv.reason': 'Reden',
    'rv.addMark': 'Markering toevoegen',
    'rv.notes': 'Notities',
    'rv.notesHint': 'Notities zijn voor beoordelaars; de student ziet ze niet.',
    'rv.note': 'Notitie',
    'rv.addNote': 'Notitie toevoegen',
    'rv.views': 'Wie de gegevens van deze student heeft bekeken',
    'mark.suspected_fraud': 'Vermoeden van fraude',
    'mark.appeal': 'Beroep',
    'rv.examOption': '{name} ({course}) {start}: {n} sessies',
    'rv.examNoFace': ', {n} zonder gezicht bij de controle vooraf',
    'rv.noExams': 'Er zijn nog geen tentamens aan je toegewezen.',
    'rv.col.student': 'Student',
    'rv.col.choice': 'Keuze',
    'rv.col.acc': 'Voorzieningen (uit)',
    'rv.col.session': 'Sessie',
    'rv.col.started': 'Begonnen',
    'rv.col.finished': 'Afgerond',
    'rv.col.marks': 'Markeringen',
    'rv.col.kind': 'Soort',
    'rv.col.start': 'Begin',
    'rv.col.end': 'Einde',
    'rv.col.duration': 'Duur',
    'rv.col.peak': 'Piek',
    'choice.': 'nog geen',
    'choice.proctored': 'met toezicht',
    'choice.alternative': 'alternatief tentamen',
    'rv.noSession': 'Geen sessie.',
    'rv.noStudents': 'Geen studenten bij dit tentamen.',
    'rv.noFace': 'geen gezicht gezien bij de controle vooraf: gezichtsdetectoren onbetrouwbaar',
    'rv.facesSeen': ' (een gezicht in {n} van {m} beelden van de controle)',
    'rv.noFrames': ' (geen beelden van de controle)',
    'rv.count': '{all} sessies; {n} zonder gezicht bij de controle vooraf.',
    'rv.objection': 'Bezwaar ({at}): {reason}',
    'rv.session': 'Sessie {id}: {student}',
    'rv.meta': '{exam} ({course}). Begonnen {start}, {end}. {n} samenvattingen opgeslagen, laatste seq {seq}. Keuze: {choice}. Voorzieningen (uit): {acc}.',
    'rv.finishedAt': 'afgerond {at}',
    'rv.notFinished': 'niet afgerond',
    'rv.detectors': 'Detectoren: {list}.',
    'rv.unreliableText': '. Gezicht afwezig en wegkijken bewijzen niets voor deze sessie. De camera, de hoek of het licht kan de oorzaak zijn, of een client die beweert geen gezicht te zien: vergelijk de build met de gepubliceerde.',
    'rv.published': 'build {build} (de gepubliceerde)',
    'rv.notPublished': 'build {build} (niet de build die deze server nu serveert)',
    'rv.unreliableTag': ' (onbetrouwbaar voor deze sessie)',
    'rv.noEvents': 'Geen gebeurtenissen.',
    'rv.lift': 'Opheffen',
    'rv.liftWhy': 'Waarom wordt deze markering opgeheven? (verplicht, wordt bij de markering bewaard)',
    'rv.lifted': ' opgeheven {at}',
    'rv.none': 'geen',
  },
});

// Display order: the catalogue, then the integrity kinds (wasm/wire).
const KINDS = ['face_absent', 'multiple_faces', 'looking_away', 'speech', 'focus_lost', 'fullscreen_exit', 'paste', 'extra_screen',
  'camera_lost', 'detector_stalled', 'page_reloaded', 'clock_skew'];
const UNRELIABLE = new Set(['face_absent', 'looking_away']);
// NO_FACE is what every session whose pre-check saw no face shows: an honest
// camera in bad light, or a modified client claiming it, look the same.
const noFace = () => t('rv.noFace');
const facesSeen = (p) => (p && p.frames ? t('rv.facesSeen', { n: p.face_frames, m: p.frames }) : t('rv.noFrames'));
let current = null; // session id in the detail view
const redraw = {}; // what is on screen, drawn again from the same data after a language switch

const kinds = (list) => (list || []).map(kindName).join(', ') || t('rv.none');
const guard = (f) => (...args) => Promise.resolve(f(...args)).catch((e) => status(e.message, true));

async function signOut() {
  document.body.dataset.view = 'signin';
  await logOut();
}

// signIn asks who is logged in (admins may review too) and lists the exams.
async function signIn() {
  await whoAmI();
  await catalogue().catch(() => {}); // names fall back to the kind ids
  // Times are shown on the server's one clock, the zone its timelines are
  // drawn in, whatever zone this computer is in; the page names it.
  $('zone').textContent = t('rv.zone', { zone: await serverZone() });
  $('app').hidden = false;
  document.body.dataset.view = 'exams';
  const data = await (await api('/api/v1/review/exams')).json();
  const exams = Array.isArray(data) ? data : data.exams || [];
  $('exam').replaceChildren(...exams.map((e) => el('option', { value: e.id, 'data-unreliable': String(e.unreliable_sessions || 0) },
    t('rv.examOption', { name: e.name, course: e.course, start: dateTime(e.start), n: e.sessions || 0 }) +
    (e.unreliable_sessions ? t('rv.examNoFace', { n: e.unreliable_sessions }) : ''))));
  if (exams.length === 0) status(t('rv.noExams'));
  else await showSessions();
}

async function showSessions() {
  const id = $('exam').value;
  if (!id) return;
  drawSessions(await (await api(`/api/v1/review/exams/${encodeURIComponent(id)}/sessions`)).json());
}

// drawSessions draws a list fetched before: a language switch draws it
// again without asking the server, which would log another view.
function drawSessions(data) {
  const rows = Array.isArray(data) ? data : data.students || [];
  redraw.sessions = () => drawSessions(data);
  const head = el('tr', {}, ...['student', 'choice', 'acc', 'session', 'build', 'started', 'finished'].map((h) => el('th', {}, t(`rv.col.${h}`))),
    ...KINDS.map((k) => el('th', { class: 'kind-col' }, kindName(k))), el('th', {}, t('rv.col.marks')));
  const body = [];
  for (const { student, sessions, objections } of rows) {
    const list = sessions.length ? sessions : [null];
    list.forEach((s, i) => {
      const tr = el('tr', { 'data-student': student.student_id });
      if (i === 0) {
        tr.append(el('td', { rowspan: list.length }, student.student_id, el('br'), el('span', { class: 'hint' }, student.email),
          ...objectionNotes(objections)),
          el('td', { rowspan: list.length }, t(`choice.${student.choice || ''}`)),
          el('td', { rowspan: list.length }, kinds(student.accommodations)));
      }
      if (!s) {
        tr.append(el('td', { colspan: 4 + KINDS.length + 1, class: 'hint' }, t('rv.noSession')));
      } else {
        const open = el('button', { type: 'button', 'data-session': s.id }, s.id);
        open.addEventListener('click', guard(() => showSession(s.id)));
        tr.append(el('td', {}, open, s.unreliable ? el('div', { class: 'note', 'data-no-face': '' }, noFace() + facesSeen(s.precheck)) : ''),
          // Whether the session ran the client this server publishes: a
          // modified client stands out here, not only in the detail.
          el('td', { 'data-build': s.published_build ? 'published' : 'other', class: s.published_build ? 'ok' : 'note', title: s.build },
            t(s.published_build ? 'rv.build.published' : 'rv.build.other')),
          el('td', {}, dateTime(s.started)), el('td', {}, dateTime(s.finished)));
        for (const k of KINDS) {
          const n = (s.counts || {})[k] || 0;
          tr.append(el('td', { class: n && s.unreliable && UNRELIABLE.has(k) ? 'unreliable' : '', 'data-kind': k }, n ? String(n) : ''));
        }
        tr.append(el('td', {}, String((s.marks || []).filter((m) => !m.removed).length)));
      }
      body.push(tr);
    });
  }
  // How many sessions are so marked, above the list: a pattern (many, or
  // one student again and again) is itself worth a look.
  const all = rows.flatMap((r) => r.sessions);
  const unreliable = all.filter((s) => s.unreliable).length;
  const summary = el('p', { id: 'no-face-count', class: unreliable ? 'note' : 'hint', 'data-count': String(unreliable) },
    t('rv.count', { all: all.length, n: unreliable }));
  $('sessions').replaceChildren(rows.length
    ? el('div', {}, summary, el('div', { class: 'scroll' }, el('table', { id: 'sessions-table' }, el('thead', {}, head), el('tbody', {}, ...body))))
    : el('p', { class: 'hint' }, t('rv.noStudents')));
  status('');
}

// objectionNotes shows a student's objections (GDPR art. 21) to the committee.
function objectionNotes(objections) {
  return (objections || []).map((o) => el('div', { class: 'note', 'data-objection': o.id }, t('rv.objection', { at: dateTime(o.at), reason: o.reason })));
}

async function showSession(id) {
  current = id;
  const enc = encodeURIComponent(id);
  const [d, svg] = await Promise.all([
    api(`/api/v1/review/sessions/${enc}`).then((r) => r.json()),
    api(`/api/v1/review/sessions/${enc}/timeline.svg?lang=${currentLang()}`).then((r) => r.text()),
  ]);
  drawSession(id, d, svg);
  $('detail').scrollIntoView();
}

function drawSession(id, d, svg) {
  redraw.session = () => drawSession(id, d, svg);
  const enc = encodeURIComponent(id);
  const s = d.session;
  const unreliable = !s.precheck?.face_found;
  $('detail').hidden = false;
  document.body.dataset.view = 'session';
  $('detail-title').textContent = t('rv.session', { id: s.id, student: d.student.student_id });
  $('detail-meta').replaceChildren(
    el('p', {}, t('rv.meta', { exam: d.exam.name, course: d.exam.course, start: dateTime(s.started),
      end: s.finished ? t('rv.finishedAt', { at: dateTime(s.finished) }) : t('rv.notFinished'),
      n: d.summaries, seq: s.last_seq, choice: t(`choice.${d.student.choice || ''}`), acc: kinds(d.student.accommodations) })),
    el('p', {}, t('rv.detectors', { list: (s.policy?.detectors || []).map((x) => (x.threshold_s ? `${kindName(x.kind)} ≥ ${x.threshold_s} s` : kindName(x.kind))).join(', ') || t('rv.none') })),
    unreliable ? el('p', { class: 'note', id: 'no-face' }, el('strong', {}, noFace()), facesSeen(s.precheck), t('rv.unreliableText')) : '',
    el('p', { class: s.build === d.published_build ? 'hint mono' : 'note mono' },
      t(s.build === d.published_build ? 'rv.published' : 'rv.notPublished', { build: s.build })),
    ...objectionNotes(d.objections));
  insertSVG($('timeline'), svg);
  $('events').replaceChildren(d.events.length
    ? el('table', { id: 'events-table' },
      el('thead', {}, el('tr', {}, ...['kind', 'start', 'end', 'duration', 'peak'].map((h) => el('th', {}, t(`rv.col.${h}`))))),
      el('tbody', {}, ...d.events.map((e) => el('tr', { 'data-kind': e.kind, class: unreliable && UNRELIABLE.has(e.kind) ? 'unreliable' : '' },
        el('td', {}, kindName(e.kind) + (unreliable && UNRELIABLE.has(e.kind) ? t('rv.unreliableTag') : '')),
        el('td', {}, timeOnly(e.start)), el('td', {}, timeOnly(e.end)),
        el('td', {}, `${((e.end - e.start) / 1000).toFixed(1)} s`), el('td', {}, String(e.peak))))))
    : el('p', { class: 'hint' }, t('rv.noEvents')));
  $('marks').replaceChildren(...(d.marks || []).map((m) => {
    const li = el('li', { 'data-mark': m.id }, `${t(`mark.${m.kind}`)}: ${m.reason} (${m.by}, ${dateTime(m.at)})`);
    if (m.removed) {
      li.append(`${t('rv.lifted', { at: dateTime(m.removed) })}${m.removed_by ? ` by ${m.removed_by}` : ''}${m.removed_reason ? `: ${m.removed_reason}` : ''}`);
      li.className = 'hint';
    } else {
      const b = el('button', { type: 'button' }, t('rv.lift'));
      b.addEventListener('click', guard(async () => {
        // Lifting ends the longer retention the mark gave: the reason is
        // required and kept with the mark (the access log records only the
        // lifting). A reviewer may lift only their own marks.
        const reason = (prompt(t('rv.liftWhy')) || '').trim();
        if (!reason) return;
        await api(`/api/v1/review/sessions/${enc}/marks/${encodeURIComponent(m.id)}`,
          { method: 'DELETE', body: JSON.stringify({ reason }) });
        await showSession(id);
      }));
      li.append(' ', b);
    }
    return li;
  }));
  $('notes').replaceChildren(...(d.notes || []).map((n) => el('li', {}, `${n.text} (${n.by}, ${dateTime(n.at)})`)));
  $('views').replaceChildren(...(d.views || []).map((v) => el('li', {}, `${v.who}, ${dateTime(v.at)}: ${v.what}`)));
  status('');
}

function init() {
  langToggle();
  // What is drawn from data is drawn again in the new language; the
  // timeline SVG is the server's and stays as it was fetched.
  onLang(() => { redraw.sessions?.(); redraw.session?.(); });
  $('signout').addEventListener('click', signOut);
  $('load').addEventListener('click', guard(showSessions));
  $('exam').addEventListener('change', guard(showSessions));
  $('mark-form').addEventListener('submit', guard(async (ev) => {
    ev.preventDefault();
    await api(`/api/v1/review/sessions/${encodeURIComponent(current)}/marks`, {
      method: 'POST', body: JSON.stringify({ kind: $('mark-kind').value, reason: $('mark-reason').value.trim() }),
    });
    $('mark-reason').value = '';
    await showSession(current);
  }));
  $('note-form').addEventListener('submit', guard(async (ev) => {
    ev.preventDefault();
    await api(`/api/v1/review/sessions/${encodeURIComponent(current)}/notes`, { method: 'POST', body: JSON.stringify({ text: $('note-text').value.trim() }) });
    $('note-text').value = '';
    await showSession(current);
  }));
  guard(signIn)();
}

init();
