// lokaal exam: the browser half of the proctored exam page.
//
// This file owns the promise-heavy browser APIs: camera and microphone, the
// session key (WebCrypto Ed25519, never extractable), the IndexedDB outbox
// and fetch. Go (exam.wasm, exported as globalThis.lokaalGo) draws every
// screen, runs the proctor, and builds the bytes that are signed and sent.
// The detectors run in a module Web Worker (detect-worker.js, the same
// exam.wasm): camera frames go to it as transferred ImageBitmaps, audio
// straight from the microphone's track (or the speech worklet), and only detections
// come back, so this thread and the framed exam never wait on detection.
// Camera frames and audio go from the devices to the worker and nowhere
// else: nothing stores or sends them.
import { $, insertSVG, saveBlob } from './dom.js';
import { loadGo, servedName } from './go.js';
import { currentLang, onLang, setLang } from './i18n.js';
import { b64, counts, done, drain, MAX_BACKOFF_MS, permanent, request, signEnvelope, signQueued, wake } from './outbox.js';
import { studentApi, useToken, watchAnswers } from './student.js';

// The files the page names on its script tag (and their integrity).
const ASSETS = document.querySelector('script[data-wasm]').dataset;
// 2 fps of face detection: every face event lasts seconds (thresholds of
// 3 s and more, a 1 s release), and BlazeFace does not flicker between
// frames as the cascade did, so a faster schedule buys nothing but CPU
// (about 40 ms of a core per frame in Chromium).
// The first frame's pace; after each frame the page waits what the proctor
// answers (wasm/proctor Cadence: 500 ms while anything changes, 1000 ms
// once one face has faced the screen for four frames).
const FRAME_MS = 500;
const PRECHECK_MS = 6000;
const TICK_MS = 250;
const FRAME_W = 640;
const FRAME_H = 480;

const body = document.body;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let go;           // globalThis.lokaalGo
let build;        // wire.ManifestBuild of exam.wasm and the models
let module;       // exam.wasm, compiled once for the page and the worker
let token;        // the access token from the link's fragment
let info;         // GET /api/v1/student
let needs;        // {camera, microphone, genesis, interval}
let db;
let precheck = null; // wire.Precheck of the last check
let running = null;  // the session record while the exam runs
let finishing = false;
const svgs = new Map(); // session id → timeline SVG text, kept for a language switch

// ---- IndexedDB: sessions (key, policy, chain head), queue, sent, dead ----

function openDB() {
  const r = indexedDB.open('lokaal-exam', 1);
  r.onupgradeneeded = () => {
    r.result.createObjectStore('sessions', { keyPath: 'id' });
    for (const s of ['queue', 'sent', 'dead']) r.result.createObjectStore(s, { keyPath: 'id', autoIncrement: true });
  };
  return request(r);
}

const all = (store) => request(db.transaction(store).objectStore(store).getAll());
const getSession = (id) => request(db.transaction('sessions').objectStore('sessions').get(id));

async function putSession(rec) {
  const tx = db.transaction('sessions', 'readwrite');
  tx.objectStore('sessions').put(rec);
  return done(tx);
}

// enqueue numbers a sealed summary, links it to the chain head and queues it
// in one transaction with the new head: a crash leaves either both or
// neither, so the chain never forks or skips.
async function enqueue(summaryJSON) {
  const tx = db.transaction(['sessions', 'queue'], 'readwrite');
  const rec = await request(tx.objectStore('sessions').get(running.id));
  const c = go.chain(summaryJSON, rec.seq + 1, rec.head);
  if (c instanceof Error) {
    tx.abort();
    throw c;
  }
  rec.seq += 1;
  rec.head = c.hash;
  tx.objectStore('queue').add({ session: rec.id, seq: rec.seq, hash: c.hash, summary: c.summary, body: null });
  tx.objectStore('sessions').put(rec);
  await done(tx);
  body.dataset.sealedSeq = rec.seq;
  go.status(rec.seq, 'queued', '', c.summary);
  wake();
}

// history lists a session's summaries for the panel after a reload.
async function history(session) {
  const [sent, queue, dead] = await Promise.all([all('sent'), all('queue'), all('dead')]);
  const mine = (r) => r.session === session;
  return [
    ...sent.filter(mine).map((r) => ({ seq: r.seq, json: r.body, status: 'acked', reason: '' })),
    ...queue.filter(mine).map((r) => ({ seq: r.seq, json: r.body || r.summary, status: 'queued', reason: '' })),
    ...dead.filter(mine).map((r) => ({ seq: r.seq, json: r.body || r.summary, status: 'dead', reason: r.reason })),
  ].sort((a, b) => a.seq - b.seq);
}

// ---- API ----

// noteDate compares every response's Date header with the local clock
// (clock_skew): the student API's (student.js) and the outbox's.
function noteDate(res) {
  const d = Date.parse(res.headers.get('Date') || '');
  if (!Number.isNaN(d)) go.serverDate(d, Date.now(), performance.now());
}

// ---- Outbox: sign, then send oldest first ----

async function queued(session) {
  return (await all('queue')).filter((r) => r.session === session).length;
}

async function updateStatus() {
  Object.assign(body.dataset, await counts(db));
}

// moveToDead sets aside a summary the server will never take, and chains the
// session's later summaries again from the one before it (new seq and prev,
// signed again when sent): the server would refuse them all as
// chain_broken otherwise. One transaction, so a crash keeps the old chain
// or the new one, never half of each.
async function moveToDead(item, reason) {
  const tx = db.transaction(['queue', 'dead', 'sessions'], 'readwrite');
  const queue = tx.objectStore('queue');
  queue.delete(item.id);
  tx.objectStore('dead').add({ session: item.session, seq: item.seq, summary: item.summary, body: item.body, reason });
  const rec = await request(tx.objectStore('sessions').get(item.session));
  const later = (await request(queue.getAll())).filter((r) => r.session === item.session && r.seq > item.seq).sort((a, b) => a.seq - b.seq);
  let seq = item.seq - 1;
  let head = JSON.parse(item.summary).prev;
  for (const r of later) {
    const c = go.chain(r.summary, seq + 1, head);
    if (c instanceof Error) {
      tx.abort();
      throw c;
    }
    seq += 1;
    head = c.hash;
    queue.put({ ...r, seq, hash: c.hash, summary: c.summary, body: null });
  }
  if (rec) tx.objectStore('sessions').put({ ...rec, seq, head });
  await done(tx);
  if (item.session === running?.id) go.summaries(JSON.stringify(await history(item.session)));
}

// sign completes a queued summary with the session key's signature. Go
// checks the summary and makes the exact bytes; only the key is used here.
async function sign(item) {
  const rec = await getSession(item.session);
  if (!rec) return moveToDead(item, 'no key for this session');
  return signQueued(db, item, {
    key: rec.key, env: go.envelope('summary', item.summary), dead: (why) => moveToDead(item, why),
  });
}

// post sends one signed summary and reports whether to go on at once (true)
// or to wait and send the same one again (false).
async function post(item) {
  let res;
  try {
    res = await fetch('/api/v1/summaries', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: item.body });
  } catch {
    return false; // offline
  }
  noteDate(res);
  if (res.status === 200 || res.status === 201) { // stored, or stored before
    const { result } = await res.json().catch(() => ({}));
    const tx = db.transaction(['queue', 'sent', 'sessions'], 'readwrite');
    const rec = await request(tx.objectStore('sessions').get(item.session));
    tx.objectStore('queue').delete(item.id);
    tx.objectStore('sent').add({ session: item.session, seq: item.seq, body: item.body, result });
    if (rec && item.seq > rec.ackedSeq) {
      rec.ackedSeq = item.seq;
      rec.ackedHead = item.hash;
      tx.objectStore('sessions').put(rec);
    }
    await done(tx);
    body.dataset.ackedSeq = item.seq;
    if (item.session === running?.id) go.status(item.seq, 'acked', '', item.body);
    return true;
  }
  if (permanent(res.status)) {
    // The server will never take this summary: keep it, show it, move on.
    const err = await res.json().catch(() => ({}));
    await moveToDead(item, `HTTP ${res.status} ${err.code || ''}: ${err.message || ''}`);
    return true;
  }
  return false; // 408, 429, 5xx: the server may take it later
}

// ---- Camera and microphone ----

const media = { stream: null, video: null, audio: null, chunks: 0, camErr: '', micErr: '', timer: 0, frameMs: 0 };

async function getMedia(constraints) {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (e) {
    return e;
  }
}

// openMedia asks for exactly what the policy needs: the camera only for a
// camera detector, the microphone only for speech, nothing for neither.
async function openMedia() {
  const live = media.stream && media.stream.getTracks().every((t) => t.readyState === 'live');
  if (live || (!needs.camera && !needs.microphone)) return;
  closeMedia();
  const video = needs.camera && { width: { ideal: FRAME_W }, height: { ideal: FRAME_H } };
  // Raw audio: the detector learns the noise floor itself.
  const audio = needs.microphone && { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
  body.dataset.media = [video && 'camera', audio && 'microphone'].filter(Boolean).join(',');
  let stream = await getMedia({ video, audio });
  media.camErr = media.micErr = '';
  if (stream instanceof Error && video && audio) {
    // One missing device must not hide the other.
    const v = await getMedia({ video });
    const a = await getMedia({ audio });
    if (v instanceof Error) media.camErr = v.message;
    if (a instanceof Error) media.micErr = a.message;
    const tracks = [v, a].filter((s) => !(s instanceof Error)).flatMap((s) => s.getTracks());
    stream = tracks.length ? new MediaStream(tracks) : stream;
  }
  if (stream instanceof Error) {
    if (video) media.camErr = stream.message;
    if (audio) media.micErr = stream.message;
    return;
  }
  media.stream = stream;
  const track = stream.getVideoTracks()[0];
  if (track) {
    const lost = (on) => () => go.signal('camera_lost', on, performance.now());
    track.addEventListener('ended', lost(true));
    track.addEventListener('mute', lost(true));
    track.addEventListener('unmute', lost(false));
    const v = document.createElement('video');
    v.id = 'preview-video';
    v.muted = true;
    v.playsInline = true;
    // The camera alone: with the microphone's track in it, a muted element
    // still runs an audio output thread (about 1 % of a core).
    v.srcObject = new MediaStream([track]);
    await v.play().catch(() => {});
    media.video = v;
  }
}

function closeMedia() {
  clearTimeout(media.timer);
  media.timer = 0;
  if (media.audio) detector.worker?.postMessage({ type: 'audioStop' });
  media.stream?.getTracks().forEach((t) => t.stop());
  media.audio?.close().catch(() => {});
  media.video?.remove();
  Object.assign(media, { stream: null, video: null, audio: null });
}

// ---- The detection worker ----

// models names each model the page may load (from its data attributes):
// the URL, the Subresource Integrity the worker fetches it with, and the
// kind of detector it makes. The build covers them all.
const models = {
  face: { kind: ASSETS.faceKind, url: ASSETS.faceModel, integrity: ASSETS.faceModelIntegrity },
  speech: { kind: ASSETS.speechKind, url: ASSETS.speechModel, integrity: ASSETS.speechModelIntegrity },
};

// busyMS adds up the time the worker spent inside the detectors, face and
// speech, published as data-detect-busy-ms: over a stretch of the exam, its
// growth over the time passed is the detectors' share of one core.
const detector = { worker: null, ready: null, busy: false, busyMS: 0, firstFaces: null, sawFaces: null };
// firstFaces settles at the worker's first face result: the speech model
// (455 KB) is fetched only after it, so the camera's first detection waits
// for no more than exam.wasm and the face model.
detector.firstFaces = new Promise((resolve) => { detector.sawFaces = resolve; });
const spent = (ms) => { detector.busyMS += ms; body.dataset.detectBusyMs = detector.busyMS.toFixed(1); };

// startWorker starts the detection worker once, with the compiled exam.wasm
// and the face model when the policy needs the camera; the speech model
// loads only when the microphone starts.
function startWorker() {
  if (detector.ready) return detector.ready;
  const w = new Worker(ASSETS.worker, { type: 'module', name: 'lokaal-detect' });
  detector.worker = w;
  detector.ready = new Promise((resolve, reject) => {
    w.onmessage = (ev) => {
      const m = ev.data;
      switch (m.type) {
        case 'ready': resolve(); break;
        case 'faces': {
          detector.busy = false;
          detector.sawFaces();
          spent(m.ms);
          const next = go.faces(m.faces, m.t, m.ms);
          if (next instanceof Error) console.error('faces:', next);
          else media.frameMs = next;
          break;
        }
        case 'speech':
          body.dataset.audioChunks = ++media.chunks;
          spent(m.ms);
          go.speech(m.decisions, m.level);
          break;
        case 'error':
          body.dataset.detectError = `${m.what}: ${m.message}`;
          if (m.what === 'init') reject(new Error(m.message));
          else console.error(`detection (${m.what}):`, m.message);
          if (m.what === 'frame') { detector.busy = false; detector.sawFaces(); }
          break;
      }
    };
    w.onerror = (ev) => reject(new Error(ev.message || 'the detection worker failed to start'));
  });
  const wasmExec = document.querySelector('script[src*="/wasm_exec."]').src;
  w.postMessage({ type: 'init', module, wasmExec, origin: performance.timeOrigin, face: needs.camera ? models.face : null });
  return detector.ready;
}

// startFrames hands the worker one camera frame, at most 640 wide, every
// FRAME_MS. A frame is dropped rather than queued while the worker is still
// busy with the last one. The video element is detached outside the
// pre-check, which pauses it.
function startFrames() {
  const v = media.video;
  if (!v || media.timer) return;
  const step = () => {
    media.timer = setTimeout(step, media.frameMs || FRAME_MS);
    if (v.paused) v.play().catch(() => {});
    if (detector.busy || v.readyState < 2 || !v.videoWidth) return;
    const w = FRAME_W;
    const h = Math.min(FRAME_H, Math.round((FRAME_W * v.videoHeight) / v.videoWidth));
    const t = performance.now();
    detector.busy = true;
    createImageBitmap(v).then((bitmap) => {
      detector.worker.postMessage({ type: 'frame', bitmap, w, h, t }, [bitmap]);
    }, (e) => {
      detector.busy = false;
      console.error('frame:', e);
    });
  };
  step();
}

// startAudio hands the microphone's samples to the worker, never through
// this thread. Where the browser has MediaStreamTrackProcessor (Chromium),
// the track's own stream of samples is transferred to the worker: no audio
// graph runs, which spares the AudioContext's render, worklet and output
// threads (about 3 % of a core in e2e/bench-exam-cpu.mjs). Elsewhere the
// speech worklet taps an AudioContext and posts its chunks to the worker
// over a MessagePort of their own.
async function startAudio() {
  if (media.audio || !media.stream?.getAudioTracks().length) return;
  // After the first face result, or 2 s without one (a camera that shows
  // nothing must not hold up the microphone).
  if (media.video) await Promise.race([detector.firstFaces, sleep(2000)]);
  if (media.audio) return;
  if (typeof MediaStreamTrackProcessor === 'function') {
    const { readable } = new MediaStreamTrackProcessor({ track: media.stream.getAudioTracks()[0] });
    media.audio = { close: async () => {} }; // the worker ends the stream (audioStop), and the track's stop ends it too
    body.dataset.audioPath = 'track';
    go.audioStart();
    detector.worker.postMessage({ type: 'audio', readable, speech: models.speech }, [readable]);
    return;
  }
  const ctx = new AudioContext();
  media.audio = ctx;
  body.dataset.audioPath = 'worklet';
  await ctx.audioWorklet.addModule(ASSETS.worklet);
  const node = new AudioWorkletNode(ctx, 'lokaal-speech', { numberOfOutputs: 1, outputChannelCount: [1] });
  const { port1, port2 } = new MessageChannel();
  go.audioStart();
  node.port.postMessage({ port: port1 }, [port1]);
  detector.worker.postMessage({ type: 'audio', port: port2, sampleRate: ctx.sampleRate, speech: models.speech }, [port2]);
  ctx.createMediaStreamSource(media.stream).connect(node);
  node.connect(ctx.destination); // silent; a node must be connected to be run
  if (ctx.state === 'suspended') {
    // Autoplay rules can hold audio until the page is used: start then.
    // resume() stays pending until then, so it is not awaited.
    document.addEventListener('click', () => ctx.resume().catch(() => {}), { once: true, capture: true });
    ctx.resume().catch(() => {});
  }
}

function attachPreview() {
  const p = $('preview');
  if (p && media.video && media.video.parentNode !== p) p.append(media.video);
}

// ---- Steps ----

async function runPrecheck() {
  await openMedia();
  if (media.video || needs.microphone) await startWorker();
  if (media.video) startFrames();
  if (needs.microphone) await startAudio().catch((e) => { media.micErr ||= e.message; });
  go.precheckStart(PRECHECK_MS / 1000);
  attachPreview();
  const chunks = media.chunks;
  // The countdown: the student sees how long the check still runs.
  for (let left = PRECHECK_MS / 1000; left > 0; left--) {
    go.precheckLeft(left);
    await sleep(1000);
  }
  precheck = JSON.parse(go.precheckDone(media.camErr, media.micErr, media.chunks - chunks));
  attachPreview();
}

async function choose(choice) {
  const res = await studentApi('POST', '/api/v1/student/choice', { choice });
  info.student = await res.json().catch(() => ({ ...info.student, choice }));
  body.dataset.choice = choice;
  if (choice === 'alternative') {
    closeMedia();
    go.show('alternative');
    return;
  }
  if (!(await holdLock())) {
    go.show('locked');
    return;
  }
  const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const raw = await crypto.subtle.exportKey('raw', keys.publicKey);
  if (!precheck) precheck = JSON.parse(go.skipPrecheck());
  const policy = await (await studentApi('POST', '/api/v1/student/sessions', { public_key: b64(raw), build, precheck })).json();
  const rec = {
    id: policy.session, student: info.student.id, key: keys.privateKey, policy, precheck,
    seq: 0, head: needs.genesis, ackedSeq: 0, ackedHead: needs.genesis, receipt: null,
  };
  await putSession(rec);
  await runExam(rec, false);
}

// holdLock keeps one tab per student running the exam: two would fork the
// chain.
function holdLock() {
  if (!navigator.locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    navigator.locks.request(`lokaal-exam-${info.student.id}`, { ifAvailable: true }, (lock) => {
      resolve(Boolean(lock));
      return lock ? new Promise(() => {}) : undefined; // held for the page's lifetime
    });
  });
}

const onPaste = () => go.instant('paste', performance.now()); // clipboardData is never read
const focusLost = () => document.hidden || !document.hasFocus();

function watchSignals() {
  const focus = () => go.signal('focus_lost', focusLost(), performance.now());
  document.addEventListener('visibilitychange', focus);
  // Focus moving into the exam frame blurs this window: look once it settled.
  window.addEventListener('blur', () => setTimeout(focus, 0));
  window.addEventListener('focus', focus);
  const fullscreen = () => go.signal('fullscreen_exit', !document.fullscreenElement, performance.now());
  document.addEventListener('fullscreenchange', fullscreen);
  fullscreen();
  document.addEventListener('paste', onPaste, true);
  if ('isExtended' in screen) {
    const extended = () => go.signal('extra_screen', screen.isExtended, performance.now());
    screen.addEventListener('change', extended);
    extended();
  }
  focus();
}

// watchFrame counts pastes inside an exam on this origin; another origin's
// document is out of reach, which the panel says.
function watchFrame() {
  try {
    $('frame').contentDocument?.addEventListener('paste', onPaste, true);
  } catch { /* another origin */ }
}

async function runExam(rec, resumed) {
  running = rec;
  const err = go.startExam(JSON.stringify(rec.policy), rec.precheck?.baseline || 0, performance.now(), Date.now(), resumed);
  if (err instanceof Error) throw err;
  go.summaries(JSON.stringify(await history(rec.id)));
  const frame = $('frame');
  frame.addEventListener('load', watchFrame);
  frame.src = info.exam.url || '/sample-exam';
  watchSignals();
  const timer = setInterval(async () => {
    if (!running || finishing) {
      clearInterval(timer);
      return;
    }
    // Polled too: focus leaving from inside the frame fires nothing here.
    go.signal('focus_lost', focusLost(), performance.now());
    const s = go.tick(performance.now(), Date.now());
    if (typeof s === 'string') await enqueue(s).catch((e) => console.error('seal:', e));
  }, TICK_MS);
  await openMedia();
  if (needs.camera && !media.video) go.signal('camera_lost', true, performance.now());
  if (media.video || needs.microphone) await startWorker();
  if (media.video) startFrames();
  if (needs.microphone) await startAudio().catch((e) => console.error('microphone:', e));
}

// finish seals the last window, waits until every summary is acknowledged
// (or rejected) and closes the session with a signed finish naming the
// chain head the server holds.
async function finish() {
  if (finishing || !running) return;
  finishing = true;
  const last = go.sealNow(performance.now());
  go.stop();
  closeMedia();
  if (typeof last === 'string') await enqueue(last);
  for (let left; (left = await queued(running.id)) > 0;) {
    go.finishing(left);
    wake();
    await sleep(500);
  }
  go.finishing(0);
  const receipt = await close(running.id);
  running = null;
  $('frame').src = 'about:blank';
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  return showEnd(receipt);
}

// showEnd shows the receipt and checks its signature in this page, with
// WebCrypto, against the key the server publishes: the student learns at
// once whether the receipt holds. lokaal verify-receipt stays the check
// that does not depend on this page.
async function showEnd(receipt) {
  go.show('end', JSON.stringify(receipt));
  let ok = false;
  let key = '';
  let why = '';
  try {
    const r = go.receiptBytes(JSON.stringify(receipt));
    if (r instanceof Error) throw r;
    const res = await fetch('/api/v1/receipt-key', { cache: 'no-store' });
    if (!res.ok) throw new Error(`the published key could not be fetched (HTTP ${res.status})`);
    ({ key } = await res.json());
    if (r.key !== key) throw new Error('the receipt names another key than the one the server publishes');
    const pub = await crypto.subtle.importKey('raw', unb64(key), { name: 'Ed25519' }, false, ['verify']);
    ok = await crypto.subtle.verify('Ed25519', pub, unb64(r.sig), r.bytes);
    if (!ok) why = 'the signature does not match what the receipt says';
  } catch (e) {
    why = e.message;
  }
  go.receiptChecked(ok, key, why);
}

const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

// close sends the signed finish until the server answers with the receipt,
// and keeps it. Finishing is idempotent: a finished session's receipt comes
// back again, which also recovers one lost in a crash.
async function close(id) {
  let backoff = 1000;
  for (;;) {
    const rec = await getSession(id);
    const f = go.finishMessage(rec.id, rec.ackedSeq, rec.ackedHead, Date.now());
    const env = go.envelope('finish', f);
    if (env instanceof Error) throw env;
    const signed = await signEnvelope(rec.key, env);
    try {
      const res = await fetch(`/api/v1/sessions/${encodeURIComponent(rec.id)}/finish`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: signed,
      });
      noteDate(res);
      if (res.ok) {
        rec.receipt = await res.json();
        rec.key = null; // the session is closed: its key has nothing left to sign
        await putSession(rec);
        return rec.receipt;
      }
      const err = await res.json().catch(() => ({}));
      go.finishing(0, `HTTP ${res.status} ${err.code || ''} ${err.message || ''}`);
    } catch (e) {
      go.finishing(0, e.message);
    }
    await sleep(backoff);
    backoff = Math.min(2 * backoff, MAX_BACKOFF_MS);
  }
}

function downloadReceipt() {
  const json = $('receipt')?.textContent;
  if (!json) return;
  const { receipt } = JSON.parse(json);
  saveBlob(new Blob([json + '\n'], { type: 'application/json' }), `lokaal-receipt-${receipt.session}.json`);
}

function fillTimelines() {
  for (const div of document.querySelectorAll('[data-timeline]')) {
    const text = svgs.get(div.dataset.timeline);
    if (text) insertSVG(div, text);
  }
}

async function showRecord() {
  const rec = await (await studentApi('GET', '/api/v1/student/record')).json();
  go.show('record', JSON.stringify(rec));
  for (const div of document.querySelectorAll('[data-timeline]')) {
    const id = div.dataset.timeline;
    try {
      const res = await studentApi('GET', `/api/v1/student/sessions/${encodeURIComponent(id)}/timeline.svg?lang=${body.dataset.lang || 'en'}`);
      svgs.set(id, await res.text());
    } catch (e) {
      div.textContent = e.message;
    }
  }
  fillTimelines();
  body.dataset.timelines = String(svgs.size);
}

// ---- Start ----

const actions = {
  // The one language rule (i18n.js): the choice is stored, and Go redraws
  // (onLang in main).
  lang: () => setLang(currentLang() === 'nl' ? 'en' : 'nl'),
  'to-precheck': () => go.show('precheck'),
  'to-choice': () => {
    if (!precheck) go.skipPrecheck();
    go.show('choice');
  },
  'precheck-start': runPrecheck,
  choose: (b) => choose(b.value),
  fullscreen: () => document.documentElement.requestFullscreen().catch(() => {}),
  // One click asks, in a dialog outside the panel (a redraw cannot close
  // it); the dialog's button finishes.
  finish: () => $('finish-dialog').showModal(),
  'finish-confirm': () => {
    $('finish-dialog').close();
    return finish();
  },
  'finish-cancel': () => $('finish-dialog').close(),
  'download-receipt': downloadReceipt,
  record: () => { location.hash = `access=${encodeURIComponent(token)}&view=record`; },
  back: () => { location.hash = `access=${encodeURIComponent(token)}`; },
};

document.addEventListener('click', (ev) => {
  const b = ev.target.closest?.('[data-action]');
  const f = b && !b.disabled && actions[b.dataset.action];
  if (!f) return;
  ev.preventDefault();
  b.disabled = true;
  Promise.resolve(f(b))
    .catch((e) => go.show('error', e.message))
    .finally(() => { b.disabled = false; });
});

async function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  token = params.get('access');
  if (!token) return go.show('notoken');
  useToken(token);
  // The rights page reads the token from its own fragment, like this page.
  $('rights-link').href = `/rights#access=${encodeURIComponent(token)}`;
  $('rights-link').hidden = false;
  if (running) return; // the exam runs: the record opens after finishing
  await setZone();
  info = await (await studentApi('GET', '/api/v1/student')).json();
  needs = go.student(JSON.stringify(info));
  if (needs instanceof Error) throw needs;
  if (params.get('view') === 'record') return showRecord();
  // A session this browser started and the server has not closed resumes.
  const open = new Set(info.sessions.filter((s) => !s.finished).map((s) => s.id));
  const mine = (await all('sessions')).filter((s) => s.student === info.student.id);
  const resume = mine.find((s) => open.has(s.id) && !s.receipt);
  if (resume) {
    if (!(await holdLock())) return go.show('locked');
    return runExam(resume, true);
  }
  const finished = mine.find((s) => s.receipt);
  if (finished) return showEnd(finished.receipt);
  const lost = mine.find((s) => info.sessions.some((x) => x.id === s.id && x.finished));
  if (lost) return showEnd(await close(lost.id));
  if (info.student.choice === 'alternative') return go.show('alternative');
  return go.show('transparency');
}

// setZone asks the server for its time zone once: every time on the page is
// shown in it, as on the server's timelines.
async function setZone() {
  if (body.dataset.zone) return;
  const res = await fetch('/api/v1/clock', { cache: 'no-store' });
  if (res.ok) go.setZone((await res.json()).time_zone);
}

// hexOfSRI turns an integrity value "sha256-BASE64" into hex.
const hexOfSRI = (sri) => [...atob(sri.replace(/^sha256-/, ''))].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

// modelFiles returns the models the build covers, each by the integrity
// the worker will fetch it with (a different model fails to load).
function modelFiles() {
  const files = {};
  for (const m of Object.values(models)) {
    if (!m.url) continue;
    if (!m.integrity) throw new Error(`the page names no integrity for ${m.url}`);
    files[servedName(m.url)] = hexOfSRI(m.integrity);
  }
  return files;
}

async function main() {
  const modelHex = modelFiles();
  // exam.wasm as fetched: go.js loadGo checks it against the page's
  // integrity, so a changed file fails to load instead of proctoring, and
  // hands Go its hash, as the kiosk's.
  ({ go, module } = await loadGo());
  // The build every summary carries: what actually runs, not a label.
  build = go.init(currentLang(), JSON.stringify(modelHex));
  if (build instanceof Error) throw build;
  onLang((l) => {
    go.setLang(l);
    attachPreview();
    fillTimelines();
  });
  watchAnswers(noteDate);
  db = await openDB();
  drain(db, { status: updateStatus, sign, post });
  window.addEventListener('hashchange', () => route().catch((e) => go.show('error', e.message)));
  await route();
}

main().catch((e) => {
  if (go) go.show('error', e.message);
  else $('step').textContent = `The exam page could not start: ${e.message}`;
});
