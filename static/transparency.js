// lokaal transparency page: renders GET /api/v1/transparency in Dutch or
// English. Detector names and meanings come from the server, in the exam
// page's own wording (wasm/lang); the examples are built with the wire
// format's own types. Everything is written as text, never as HTML.
import { $, el } from './dom.js';
import { addTexts, currentLang, langToggle, onLang, t } from './i18n.js';

const REPO = 'https://github.com/lokaal-nl/lokaal';

// The language follows the rule every page shares (i18n.js).
addTexts({
  en: {
    title: 'Transparency',
    intro: "What this server's clients detect and send, what is kept and for how long, and how to check that the code your browser runs is the published code.",
    loading: 'Loading…',
    failed: 'The transparency information could not be loaded: {msg}',
    'build.h': 'The client build',
    'build.intro': 'The kiosk and the exam page run Go compiled to WebAssembly; the exam page also runs model weights for its face and speech detectors. Each page loads them with an integrity check, so a changed file does not run. Every count batch names the SHA-256 of the kiosk WebAssembly that made it; every exam summary names the exam build, the SHA-256 of the manifest below, which lists exam.wasm and each model with its SHA-256, so a changed model is a changed build. The server accepts only the builds listed here.',
    'build.exam': 'Exam build (SHA-256 of the manifest)',
    'build.manifest': 'Exam build manifest',
    'models.h': 'Models the exam page runs',
    'models.file': 'File',
    'models.what': 'Model',
    'models.source': 'Source (npm package or Go module, version, file)',
    'models.license': 'Licence',
    'models.sha': 'SHA-256 served',
    'build.revision': 'Source revision',
    'build.go': 'Go version (server)',
    'build.clientGo': 'Client built with',
    'build.served': '{file} served (SHA-256)',
    'build.notServed': 'not built on this server',
    'build.allowed': 'Accepted builds (SHA-256)',
    'build.dirty': 'This server was built from a source tree with uncommitted changes: its client cannot be rebuilt from a published revision.',
    'build.unknown': 'This server was built without make, so it does not know its source revision.',
    'verify.h': 'Verify the build yourself',
    'verify.clone': "Get the source at this server's revision:",
    'verify.twice': 'Build the client twice, in two different directories, and check that both builds are identical byte for byte (use the Go version above):',
    'verify.compare': 'Compare the WebAssembly this server serves with your own build:',
    'verify.result': 'The last command downloads kiosk.wasm, exam.wasm and the models from this server, builds them from your checkout (the models from the npm packages, after npm ci) and prints a table of the served and the local SHA-256. It ends with an error when any of them differ.',
    'kiosk.h': 'What a kiosk sends',
    'kiosk.intro': 'A kiosk counts people crossing lines at a door. Camera images never leave it. Once per interval it sends one signed count batch, and nothing else:',
    'field.device': 'the kiosk device, a random identifier',
    'field.seq': 'the batch number: 1, 2, 3, … per device',
    'field.build': 'SHA-256 of the kiosk WebAssembly that counted',
    'field.start': 'start of the interval (Unix milliseconds)',
    'field.end': 'end of the interval (Unix milliseconds)',
    'field.lines': 'per counting line: its name and how many crossed in and out',
    'field.sig': "the kiosk's Ed25519 signature; its key never leaves the browser",
    'exam.h': 'What the exam page can detect and send',
    'exam.intro': 'An exam switches on some of these detectors; a student sees which before starting. Detection runs in the browser. Each event is sent as its kind, its start and end, and one number (peak): the most faces for several faces, the lowest share of the face turned to the screen for looking away, the number of pastes for paste, and 1 otherwise.',
    'exam.kind': 'Detector',
    'exam.meaning': 'Meaning (default threshold)',
    'exam.uses': 'Uses',
    'exam.sends': 'Sends',
    'exam.camera': 'camera',
    'exam.microphone': 'microphone',
    'exam.browser': 'browser only',
    'exam.integrity': 'Always recorded, because they describe the proctor and not the student',
    'exam.summary': 'A summary, exactly as sent (an example with two events)',
    'data.h': 'Data kept, and for how long',
    'data.what': 'Data',
    'data.kept': 'Kept',
    'data.counts': 'Count batches: kiosk, interval, crossings per line. No image, no person.',
    'data.countsKept': '{days} days in full, then only hourly totals per room',
    'data.sessions': 'Exam sessions: the session key, the pre-check result, event summaries, receipts, and reviewers\' marks and notes',
    'data.sessionsKept': '{days} days after the exam window ends; {months} months after a mark of suspected fraud or appeal',
    'data.students': 'Students on an exam list: student number, email, choice of exam, accommodations, who viewed their record',
    'data.studentsKept': 'deleted with their last session, once the exam is past the {days} days',
    'data.erasure': 'Erasure on request (art. 17 GDPR)',
    'data.erasureRule': 'granted at once from {days} days after the exam window ends (the exam committee\'s review period) when no mark of suspected fraud or appeal is active; before that, or with a mark, an administrator decides with a reason. Data needed for a fraud case or a legal claim may be kept (art. 17(3)(b) and (e)); lifting a mark does not shorten the review period',
    'data.access': 'Access log: which staff member read or changed what, when and why',
    'data.accessKept': '{years} years',
    'data.deletion': 'Deletion is real: rows are deleted from the database and its space is reclaimed. Each deletion run records how many rows it deleted, never whose.',
    'receipt.h': 'Receipt key',
    'receipt.intro': 'At the end of a proctored exam the student gets a receipt signed with this key (Ed25519, base64). Anyone can check a receipt with lokaal verify-receipt.',
  },
  nl: {
    title: 'Transparantie',
    intro: 'Wat de clients van deze server detecteren en versturen, wat er bewaard wordt en hoe lang, en hoe je controleert dat de code in je browser de gepubliceerde code is.',
    loading: 'Laden…',
    failed: 'De transparantie-informatie kon niet worden geladen: {msg}',
    'build.h': 'De clientbuild',
    'build.intro': 'De kiosk en de tentamenpagina draaien Go, gecompileerd naar WebAssembly; de tentamenpagina draait daarnaast modelgewichten voor haar gezichts- en spraakdetectie. Elke pagina laadt ze met een integriteitscontrole, zodat een gewijzigd bestand niet draait. Elke telling noemt de SHA-256 van de kiosk-WebAssembly die haar maakte; elke tentamensamenvatting noemt de tentamenbuild, de SHA-256 van het manifest hieronder, dat exam.wasm en elk model met zijn SHA-256 opsomt, zodat een gewijzigd model een gewijzigde build is. De server accepteert alleen de builds die hier staan.',
    'build.exam': 'Tentamenbuild (SHA-256 van het manifest)',
    'build.manifest': 'Manifest van de tentamenbuild',
    'models.h': 'Modellen die de tentamenpagina draait',
    'models.file': 'Bestand',
    'models.what': 'Model',
    'models.source': 'Bron (npm-pakket of Go-module, versie, bestand)',
    'models.license': 'Licentie',
    'models.sha': 'SHA-256 zoals geserveerd',
    'build.revision': 'Bronrevisie',
    'build.go': 'Go-versie (server)',
    'build.clientGo': 'Client gebouwd met',
    'build.served': '{file} zoals geserveerd (SHA-256)',
    'build.notServed': 'niet gebouwd op deze server',
    'build.allowed': 'Geaccepteerde builds (SHA-256)',
    'build.dirty': 'Deze server is gebouwd uit een bronboom met niet-vastgelegde wijzigingen: zijn client kan niet uit een gepubliceerde revisie worden nagebouwd.',
    'build.unknown': 'Deze server is zonder make gebouwd en kent daarom zijn bronrevisie niet.',
    'verify.h': 'Controleer de build zelf',
    'verify.clone': 'Haal de broncode op bij de revisie van deze server:',
    'verify.twice': 'Bouw de client twee keer, in twee verschillende mappen, en controleer dat beide builds byte voor byte gelijk zijn (gebruik de Go-versie hierboven):',
    'verify.compare': 'Vergelijk de WebAssembly die deze server serveert met je eigen build:',
    'verify.result': 'Het laatste commando downloadt kiosk.wasm, exam.wasm en de modellen van deze server, bouwt ze uit je checkout (de modellen uit de npm-pakketten, na npm ci) en toont een tabel met de geserveerde en de lokale SHA-256. Het eindigt met een fout als er een verschilt.',
    'kiosk.h': 'Wat een kiosk verstuurt',
    'kiosk.intro': 'Een kiosk telt mensen die lijnen bij een deur passeren. Camerabeelden verlaten hem nooit. Eens per interval verstuurt hij één ondertekende telling, en verder niets:',
    'field.device': 'het kioskapparaat, een willekeurige code',
    'field.seq': 'het volgnummer: 1, 2, 3, … per apparaat',
    'field.build': 'SHA-256 van de kiosk-WebAssembly die telde',
    'field.start': 'begin van het interval (Unix-milliseconden)',
    'field.end': 'einde van het interval (Unix-milliseconden)',
    'field.lines': 'per tellijn: de naam en hoeveel mensen in en uit gingen',
    'field.sig': 'de Ed25519-handtekening van de kiosk; de sleutel verlaat de browser nooit',
    'exam.h': 'Wat de tentamenpagina kan detecteren en versturen',
    'exam.intro': 'Een tentamen zet een deel van deze detectoren aan; een student ziet welke voordat hij begint. De detectie draait in de browser. Elke gebeurtenis wordt verstuurd als soort, begin en einde, en één getal (peak): het hoogste aantal gezichten bij meerdere gezichten, het kleinste deel van het gezicht dat naar het scherm gericht is bij wegkijken, het aantal keer plakken bij plakken, en anders 1.',
    'exam.kind': 'Detector',
    'exam.meaning': 'Betekenis (standaarddrempel)',
    'exam.uses': 'Gebruikt',
    'exam.sends': 'Verstuurt',
    'exam.camera': 'camera',
    'exam.microphone': 'microfoon',
    'exam.browser': 'alleen de browser',
    'exam.integrity': 'Altijd vastgelegd, omdat ze iets zeggen over de surveillance en niet over de student',
    'exam.summary': 'Een samenvatting, precies zoals verstuurd (een voorbeeld met twee gebeurtenissen)',
    'data.h': 'Welke gegevens, en hoe lang',
    'data.what': 'Gegevens',
    'data.kept': 'Bewaard',
    'data.counts': 'Tellingen: kiosk, interval, passages per lijn. Geen beeld, geen persoon.',
    'data.countsKept': '{days} dagen volledig, daarna alleen uurtotalen per ruimte',
    'data.sessions': 'Tentamensessies: de sessiesleutel, de uitkomst van de controle, samenvattingen van gebeurtenissen, ontvangstbewijzen, en markeringen en notities van beoordelaars',
    'data.sessionsKept': '{days} dagen na het einde van het tentamenvenster; {months} maanden na een markering voor vermoedelijke fraude of beroep',
    'data.students': 'Studenten op een tentamenlijst: studentnummer, e-mail, gekozen tentamenvorm, voorzieningen, wie hun dossier inzag',
    'data.studentsKept': 'verwijderd met hun laatste sessie, zodra het tentamen de {days} dagen voorbij is',
    'data.erasure': 'Verwijdering op verzoek (art. 17 AVG)',
    'data.erasureRule': 'meteen toegekend vanaf {days} dagen na het einde van het tentamenvenster (de controletermijn van de examencommissie) als er geen markering voor vermoedelijke fraude of beroep actief is; daarvoor, of met een markering, beslist een beheerder met een reden. Gegevens die nodig zijn voor een fraudezaak of een rechtsvordering mogen worden bewaard (art. 17 lid 3 onder b en e); het opheffen van een markering verkort de controletermijn niet',
    'data.access': 'Toegangslog: welke medewerker wat las of wijzigde, wanneer en waarom',
    'data.accessKept': '{years} jaar',
    'data.deletion': 'Verwijderen is echt: rijen worden uit de database verwijderd en de ruimte wordt vrijgegeven. Elke verwijderronde legt vast hoeveel rijen er verwijderd zijn, nooit van wie.',
    'receipt.h': 'Sleutel voor ontvangstbewijzen',
    'receipt.intro': 'Aan het einde van een tentamen met toezicht krijgt de student een ontvangstbewijs, ondertekend met deze sleutel (Ed25519, base64). Iedereen kan een ontvangstbewijs controleren met lokaal verify-receipt.',
  },
});

let facts = null;

const pretty = (v) => JSON.stringify(v, null, 2);

function row(...cells) {
  return el('tr', null, ...cells.map((c, i) => (i === 0 ? el('th', null, c) : el('td', null, c))));
}

// render draws the facts in the reader's language (i18n.js sets the
// marked texts).
function render() {
  if (!facts) return;
  const f = facts;
  const lang = currentLang();

  $('revision').textContent = f.revision;
  $('go-version').textContent = f.go_version;
  $('client-toolchain').textContent = f.client_toolchain;
  $('served').replaceChildren(...['kiosk.wasm', 'exam.wasm'].map((file) =>
    row(t('build.served', { file }), el('span', { class: 'mono', 'data-file': file }, f.builds.served[file] || t('build.notServed')))));
  $('allowed').replaceChildren(...f.builds.allowed.map((h) => el('li', null, h)));
  $('exam-build').textContent = f.builds.exam || t('build.notServed');
  $('manifest').textContent = f.builds.manifest || '';
  const models = f.builds.models || [];
  $('models').replaceChildren(el('tr', null, ...['models.file', 'models.what', 'models.source', 'models.license', 'models.sha'].map((k) => el('th', null, t(k)))),
    ...models.map((m) => el('tr', { 'data-model': m.file },
      el('td', { class: 'mono' }, m.file),
      el('td', null, m.what ? m.what[lang] : ''),
      el('td', null, m.package ? `${m.package} ${m.version}, ${m.path}` : ''),
      el('td', null, m.license || ''),
      el('td', { class: 'mono', 'data-sha256': m.file }, m.sha256))));
  const dirty = f.revision.endsWith('-dirty') ? t('build.dirty') : f.revision === 'unknown' ? t('build.unknown') : '';
  $('dirty').textContent = dirty;
  $('dirty').hidden = !dirty;

  const rev = f.revision.replace(/-dirty$/, '');
  $('cmd-clone').textContent = `git clone ${REPO}\ncd lokaal\ngit checkout ${rev}`;
  $('cmd-compare').textContent = `go build -o bin/lokaal ./server/cmd/lokaal\nbin/lokaal verify-build ${location.origin}/`;

  $('batch-fields').replaceChildren(...['device', 'seq', 'build', 'start', 'end', 'lines', 'sig'].map((k) =>
    row(el('code', null, k), t(`field.${k}`))));
  $('batch-example').textContent = pretty(f.count_batch);

  const uses = (d) => [d.camera && t('exam.camera'), d.microphone && t('exam.microphone')].filter(Boolean).join(', ') || t('exam.browser');
  const detector = (d) => el('tr', { 'data-kind': d.kind },
    el('th', null, d.name[lang]),
    el('td', null, d.meaning[lang]),
    el('td', null, uses(d)),
    el('td', null, el('pre', null, JSON.stringify(d.sends))));
  $('detectors').replaceChildren(...f.detectors.filter((d) => !d.integrity).map(detector));
  $('integrity').replaceChildren(...f.detectors.filter((d) => d.integrity).map(detector));
  $('summary-example').textContent = pretty(f.summary);

  const r = f.retention;
  $('retention').replaceChildren(
    row(t('data.counts'), t('data.countsKept', { days: r.count_days })),
    row(t('data.sessions'), t('data.sessionsKept', { days: r.session_days, months: r.marked_months })),
    row(t('data.students'), t('data.studentsKept', { days: r.session_days })),
    row(t('data.erasure'), t('data.erasureRule', { days: r.review_days })),
    row(t('data.access'), t('data.accessKept', { years: r.access_log_years })),
  );
  $('receipt-key').textContent = f.receipt_key;
}

langToggle();
onLang(render);

async function main() {
  const res = await fetch('/api/v1/transparency');
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  facts = await res.json();
  render();
  $('status').hidden = true;
  document.querySelectorAll('section[hidden]').forEach((s) => { s.hidden = false; });
  document.body.dataset.state = 'ready';
}

main().catch((e) => {
  document.body.dataset.state = 'error';
  $('status').removeAttribute('data-t');
  $('status').textContent = t('failed', { msg: e.message });
  $('status').classList.add('error');
});
