// lokaal rights: a student's data and GDPR rights, through their exam link.
// The access token comes from the fragment (#access=TOKEN), which browsers
// never send to a server; it leaves this page only as a bearer header.
// Built with DOM APIs only: the CSP forbids inline script and style.
import { $, el, saveBlob, status } from './dom.js';
import { addTexts, catalogue, kindName, langToggle, locale, onLang, t } from './i18n.js';
import { studentApi, useToken } from './student.js';

addTexts({
  en: {
    title: 'Your data and rights',
    loading: 'Loading…',
    notoken: 'Open this page through the personal link of your exam, ending in #access=…',
    'deleted.title': 'Your data has been deleted',
    'deleted.text': 'Everything lokaal stored about you for this exam is gone. This link no longer works. The access log keeps one entry that records the deletion, without your data.',
    'summary.title': 'What lokaal stores about you',
    back: 'Back to your exam page',
    'export.title': 'Download everything (access, art. 15 GDPR)',
    'export.text': 'One JSON file with everything stored about you: your record, your sessions with their summaries, events and receipts, marks, reviewers\' notes, your requests, and who looked at your data and when.',
    'export.json': 'Download JSON',
    'export.zst': 'Download compressed (.json.zst)',
    'access.title': 'Who accessed your data',
    'access.none': 'Nobody yet.',
    'objection.title': 'Object (art. 21 GDPR)',
    'objection.text': 'Tell the exam committee why you object to how your data is processed. Your objection is recorded with the time and shown to the committee next to your sessions.',
    'objection.reason': 'Your reason',
    'objection.send': 'Send objection',
    'objection.sent': 'Your objection was recorded.',
    'email.title': 'Correct your email (art. 16 GDPR)',
    'email.label': 'Email address',
    'email.save': 'Save',
    'email.saved': 'Your email was corrected.',
    'deletion.title': 'Ask for deletion (art. 17 GDPR)',
    'deletion.text': 'Your data is deleted at once when the exam committee\'s review period has passed (set in the retention policy: by default 21 days after the exam window closes, see the transparency page) and no mark (suspected fraud or appeal) is active on your sessions; this link then stops working. Before that, or with a mark active, an administrator decides, with a reason you will see here. Data needed to handle fraud or a legal claim may be kept (GDPR art. 17(3)(b) and (e)); a mark that is lifted does not shorten the review period.',
    'deletion.reason': 'Reason (optional)',
    'deletion.send': 'Ask for deletion',
    'deletion.confirm': 'Delete all your data for this exam? If it is granted at once, this cannot be undone and this link stops working.',
    'deletion.pending': 'Your request waits for an administrator.',
    'status.pending': 'pending',
    'status.granted': 'granted',
    'status.refused': 'refused',
    'row.student': 'Student number',
    'row.email': 'Email',
    'row.exam': 'Exam',
    'row.window': 'Exam window',
    'row.choice': 'Your choice',
    'row.detectors': 'Detectors for you',
    'row.accommodations': 'Switched off for you',
    'row.sessions': 'Proctored sessions',
    'row.summaries': 'Summaries stored',
    'row.events': 'Events',
    'row.marks': 'Marks (active / all)',
    'row.notes': 'Reviewers\' notes',
    'row.objections': 'Your objections',
    'row.views': 'Staff views',
    'choice.': 'not chosen yet',
    'choice.proctored': 'proctored exam',
    'choice.alternative': 'alternative exam',
    none: 'none',
    'col.when': 'When',
    'col.who': 'Who',
    'col.action': 'What',
    'action.view': 'view',
    'action.export counts': 'export counts',
    'action.read access log': 'read access log',
    'action.export access log': 'export access log',
    'action.add mark': 'add mark',
    'action.remove mark': 'remove mark',
    'action.add note': 'add note',
    'action.create exam': 'create exam',
    'action.update exam': 'update exam',
    'action.set accommodations': 'set accommodations',
    'action.import students': 'import students',
    'action.read students': 'read students',
    'action.create reviewer': 'create reviewer',
    'action.revoke reviewer': 'revoke reviewer',
    'action.assign reviewers': 'assign reviewers',
    'action.retention run': 'retention run',
    'action.policy change': 'policy change',
    'action.objection': 'objection',
    'action.rectify email': 'rectify email',
    'action.request deletion': 'request deletion',
    'action.refuse deletion': 'refuse deletion',
    'action.delete student data': 'delete student data',
    'action.read deletion requests': 'read deletion requests',
    'action.create user': 'create user',
    'action.update user': 'update user',
    'action.disable user': 'disable user',
    'action.login': 'login',
    'action.login failed': 'login failed',
    'action.logout': 'logout',
    'col.reason': 'Why',
    requested: 'requested',
    decided: 'decided',
  },
  nl: {
    title: 'Jouw gegevens en rechten',
    loading: 'Laden…',
    notoken: 'Open deze pagina via de persoonlijke link van je tentamen, die eindigt op #access=…',
    'deleted.title': 'Je gegevens zijn verwijderd',
    'deleted.text': 'Alles wat lokaal voor dit tentamen over je bewaarde, is weg. Deze link werkt niet meer. Het toegangslogboek houdt één regel die de verwijdering vastlegt, zonder je gegevens.',
    'summary.title': 'Wat lokaal over je bewaart',
    back: 'Terug naar je tentamenpagina',
    'export.title': 'Alles downloaden (inzage, art. 15 AVG)',
    'export.text': 'Eén JSON-bestand met alles wat over je is opgeslagen: je gegevens, je sessies met hun samenvattingen, gebeurtenissen en ontvangstbewijzen, markeringen, notities van beoordelaars, je verzoeken, en wie je gegevens wanneer heeft bekeken.',
    'export.json': 'JSON downloaden',
    'export.zst': 'Gecomprimeerd downloaden (.json.zst)',
    'access.title': 'Wie je gegevens heeft ingezien',
    'access.none': 'Nog niemand.',
    'objection.title': 'Bezwaar maken (art. 21 AVG)',
    'objection.text': 'Vertel de examencommissie waarom je bezwaar hebt tegen de verwerking van je gegevens. Je bezwaar wordt met de tijd vastgelegd en naast je sessies aan de commissie getoond.',
    'objection.reason': 'Je reden',
    'objection.send': 'Bezwaar versturen',
    'objection.sent': 'Je bezwaar is vastgelegd.',
    'email.title': 'Je e-mailadres corrigeren (art. 16 AVG)',
    'email.label': 'E-mailadres',
    'email.save': 'Opslaan',
    'email.saved': 'Je e-mailadres is gecorrigeerd.',
    'deletion.title': 'Verwijdering vragen (art. 17 AVG)',
    'deletion.text': 'Je gegevens worden meteen verwijderd als de controletermijn van de examencommissie voorbij is (vastgelegd in het bewaarbeleid: standaard 21 dagen na het sluiten van het tentamenvenster, zie de transparantiepagina) en er geen markering (vermoeden van fraude of beroep) op je sessies actief is; deze link werkt dan niet meer. Daarvoor, of met een actieve markering, beslist een beheerder, met een reden die je hier ziet. Gegevens die nodig zijn om fraude of een rechtsvordering af te handelen, mogen worden bewaard (AVG art. 17 lid 3 onder b en e); een opgeheven markering verkort de controletermijn niet.',
    'deletion.reason': 'Reden (niet verplicht)',
    'deletion.send': 'Verwijdering vragen',
    'deletion.confirm': 'Al je gegevens voor dit tentamen verwijderen? Als dat meteen wordt toegekend, kan het niet ongedaan worden gemaakt en werkt deze link niet meer.',
    'deletion.pending': 'Je verzoek wacht op een beheerder.',
    'status.pending': 'in behandeling',
    'status.granted': 'toegekend',
    'status.refused': 'afgewezen',
    'row.student': 'Studentnummer',
    'row.email': 'E-mail',
    'row.exam': 'Tentamen',
    'row.window': 'Tentamenvenster',
    'row.choice': 'Je keuze',
    'row.detectors': 'Detectoren voor jou',
    'row.accommodations': 'Voor jou uitgeschakeld',
    'row.sessions': 'Gesurveilleerde sessies',
    'row.summaries': 'Opgeslagen samenvattingen',
    'row.events': 'Gebeurtenissen',
    'row.marks': 'Markeringen (actief / alle)',
    'row.notes': 'Notities van beoordelaars',
    'row.objections': 'Je bezwaren',
    'row.views': 'Inzages door medewerkers',
    'choice.': 'nog niet gekozen',
    'choice.proctored': 'gesurveilleerd tentamen',
    'choice.alternative': 'alternatief tentamen',
    none: 'geen',
    'col.when': 'Wanneer',
    'col.who': 'Wie',
    'col.action': 'Wat',
    'action.view': 'ingezien',
    'action.export counts': 'tellingen geëxporteerd',
    'action.read access log': 'inzagelog gelezen',
    'action.export access log': 'inzagelog geëxporteerd',
    'action.add mark': 'markering gezet',
    'action.remove mark': 'markering opgeheven',
    'action.add note': 'notitie toegevoegd',
    'action.create exam': 'tentamen aangemaakt',
    'action.update exam': 'tentamen gewijzigd',
    'action.set accommodations': 'voorzieningen ingesteld',
    'action.import students': 'studenten geïmporteerd',
    'action.read students': 'studentenlijst gelezen',
    'action.create reviewer': 'beoordelaar aangemaakt',
    'action.revoke reviewer': 'beoordelaar ingetrokken',
    'action.assign reviewers': 'beoordelaars toegewezen',
    'action.retention run': 'bewaartermijn toegepast',
    'action.policy change': 'beleid gewijzigd',
    'action.objection': 'bezwaar',
    'action.rectify email': 'e-mailadres gecorrigeerd',
    'action.request deletion': 'verwijdering gevraagd',
    'action.refuse deletion': 'verwijdering geweigerd',
    'action.delete student data': 'studentgegevens verwijderd',
    'action.read deletion requests': 'verwijderverzoeken gelezen',
    'action.create user': 'account aangemaakt',
    'action.update user': 'account gewijzigd',
    'action.disable user': 'account uitgeschakeld',
    'action.login': 'ingelogd',
    'action.login failed': 'inloggen mislukt',
    'action.logout': 'uitgelogd',
    'col.reason': 'Waarom',
    requested: 'gevraagd',
    decided: 'besloten',
  },
});

let exported = null; // the export's text, as the server sent it

// when is a time in the reader's language, in this computer's zone.
const when = (iso) => (iso ? new Date(iso).toLocaleString(locale()) : '–');

// actionName is an access-log action in the reader's language, or the
// action itself for one this page does not know.
const actionName = (a) => (t(`action.${a}`) === `action.${a}` ? a : t(`action.${a}`));

// showResult shows a form's result beside the form the student used, not
// at the top of the page.
function showResult(id, msg) {
  $(id).textContent = msg;
  $(id).hidden = false;
}

// applyLang shows what the page draws from data in the reader's language
// (i18n.js sets the marked texts).
function applyLang() {
  document.title = `lokaal: ${t('title')}`;
  if (exported) render(JSON.parse(exported));
}

function render(doc) {
  const sessions = doc.sessions || [];
  const marks = doc.marks || [];
  const rows = [
    ['row.student', doc.student.student_id],
    ['row.email', doc.student.email],
    ['row.exam', `${doc.exam.name} (${doc.exam.course})`],
    ['row.window', `${when(doc.exam.start)} – ${when(doc.exam.end)}`],
    ['row.choice', t(`choice.${doc.choice.choice || ''}`) + (doc.choice.at ? ` (${when(doc.choice.at)})` : '')],
    // Detector names from the catalogue, in the reader's language.
    ['row.detectors', (doc.policy.detectors || []).map((d) => kindName(d.kind)).join(', ') || t('none')],
    ['row.accommodations', (doc.accommodations || []).map(kindName).join(', ') || t('none')],
    ['row.sessions', String(sessions.length)],
    ['row.summaries', String(sessions.reduce((n, s) => n + s.summaries.length, 0))],
    ['row.events', String(sessions.reduce((n, s) => n + s.events.length, 0))],
    ['row.marks', `${marks.filter((m) => !m.removed).length} / ${marks.length}`],
    ['row.notes', String((doc.notes || []).length)],
    ['row.objections', String((doc.objections || []).length)],
    ['row.views', String((doc.views || []).length)],
  ];
  $('summary').replaceChildren(el('tbody', {}, ...rows.map(([k, v]) => el('tr', { 'data-row': k }, el('th', {}, t(k)), el('td', {}, v)))));
  $('email').value = doc.student.email;

  const log = doc.access_log || [];
  $('access').replaceChildren(log.length
    ? el('table', { id: 'access-table' },
      el('thead', {}, el('tr', {}, ...['col.when', 'col.who', 'col.action', 'col.reason'].map((k) => el('th', {}, t(k))))),
      el('tbody', {}, ...log.map((a) => el('tr', {}, el('td', {}, when(a.at)), el('td', {}, a.who), el('td', {}, actionName(a.action)), el('td', {}, a.reason)))))
    : el('p', { class: 'hint' }, t('access.none')));
  $('objections').replaceChildren(...(doc.objections || []).map((o) => el('li', { 'data-objection': o.id }, `${when(o.at)}: ${o.reason}`)));
  $('deletions').replaceChildren(...(doc.deletion_requests || []).map((d) => el('li', { 'data-deletion': d.status },
    `${t('requested')} ${when(d.requested)}: ${t(`status.${d.status}`)}`,
    d.decided ? ` (${t('decided')} ${when(d.decided)}${d.decision ? `: ${d.decision}` : ''})` : '')));
}

async function load() {
  const res = await studentApi('GET', '/api/v1/student/export');
  exported = await res.text();
  render(JSON.parse(exported));
  $('app').hidden = false;
  document.body.dataset.state = 'ready';
}

function deleted() {
  exported = null;
  $('app').hidden = true;
  $('deleted').hidden = false;
  document.body.dataset.state = 'deleted';
}

const guard = (f) => async (ev) => {
  ev?.preventDefault?.();
  const b = ev?.submitter || ev?.currentTarget;
  if (b) b.disabled = true;
  try {
    await f();
  } catch (e) {
    if (e.status === 401) {
      $('app').hidden = true;
      $('notoken').hidden = false;
    }
    status(e.message, true);
  } finally {
    if (b) b.disabled = false;
  }
};

function init() {
  langToggle();
  applyLang();
  onLang(applyLang);
  const token = new URLSearchParams(location.hash.slice(1)).get('access') || '';
  useToken(token);
  if (!token) {
    status('');
    $('notoken').hidden = false;
    document.body.dataset.state = 'notoken';
    return;
  }
  $('back').href = `/exam#access=${encodeURIComponent(token)}`;

  $('dl-json').addEventListener('click', guard(async () => {
    saveBlob(new Blob([exported], { type: 'application/json' }), 'lokaal-my-data.json');
  }));
  $('dl-zst').addEventListener('click', guard(async () => {
    const res = await studentApi('GET', '/api/v1/student/export.json.zst');
    saveBlob(await res.blob(), 'lokaal-my-data.json.zst');
  }));
  $('objection-form').addEventListener('submit', guard(async () => {
    await studentApi('POST', '/api/v1/student/objection', { reason: $('objection-reason').value });
    $('objection-reason').value = '';
    await load();
    showResult('objection-result', t('objection.sent'));
  }));
  $('email-form').addEventListener('submit', guard(async () => {
    await studentApi('PUT', '/api/v1/student/email', { email: $('email').value.trim() });
    await load();
    showResult('email-result', t('email.saved'));
  }));
  $('deletion-form').addEventListener('submit', guard(async () => {
    if (!window.confirm(t('deletion.confirm'))) return;
    const res = await studentApi('POST', '/api/v1/student/deletion-request', { reason: $('deletion-reason').value });
    const answer = await res.json();
    if (answer.status === 'granted') {
      status('');
      deleted();
      return;
    }
    $('deletion-reason').value = '';
    await load();
    showResult('deletion-result', t('deletion.pending'));
  }));
  guard(async () => {
    await catalogue().catch(() => {}); // without it, names fall back to the kind ids
    await load();
    status('');
  })();
}

init();
