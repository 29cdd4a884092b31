// The exam page's detection CPU in the real page (issue 12): a student
// opens a proctored exam on a running `lokaal serve` in headless Chromium,
// with the fake camera playing the face-present clip and the fake
// microphone the first labelled speech file; once the exam runs, for
// LOKAAL_BENCH_CPU_S seconds (60) the bench reads
//   - the renderer's CPU time (CDP SystemInfo.getProcessInfo): the page,
//     its detection worker and the framed exam, everything but the camera
//     and GPU processes; an upper bound on detection's share,
//   - the worker's own face time: the ms it reports with every 'faces'
//     message (lokaalDetect.frame alone), counted from the page's side by
//     listening on the Worker it creates (nothing is changed in the page).
// Prints figures, asserts nothing. Offline: only the server's loopback
// origin is let through.
// Usage: node e2e/bench-exam-cpu.mjs BASE_URL ADMIN_TOKEN OUT.json
import { chromium } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reencode, toWav48k } from './clips.mjs';

const [base, token, outJSON] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = process.env.LOKAAL_FIXTURES || path.resolve(here, '../../shared/fixtures');
const seconds = Number(process.env.LOKAAL_BENCH_CPU_S) || 60;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lokaal-cpu-'));
const admin = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
const out = { exam_page_cpu_window_s: seconds };

const api = async (p, body, type = 'application/json') => {
  const res = await fetch(new URL(p, base), { method: 'POST', headers: { ...admin, 'Content-Type': type }, body: type === 'application/json' ? JSON.stringify(body) : body });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`${p}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
};

// threads is every thread of the given renderer processes, keyed pid/tid,
// with its name and the CPU time it has run (ns, /proc/…/schedstat): CPU
// time, not the wall time a call takes, so another job on the machine does
// not count as detection. Empty where there is no /proc.
function threads(procs) {
  const m = new Map();
  for (const { id } of procs) {
    let tids = [];
    try { tids = fs.readdirSync(`/proc/${id}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        const name = fs.readFileSync(`/proc/${id}/task/${tid}/comm`, 'utf8').trim();
        const ns = Number(fs.readFileSync(`/proc/${id}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        m.set(`${id}/${tid}`, { name, ns });
      } catch { /* the thread ended */ }
    }
  }
  return m;
}

let browser;
try {
  const clip = path.join(tmp, 'face.mjpeg'), wav = path.join(tmp, 'speech-48k.wav');
  await reencode(process.env.CHROMIUM || '/usr/bin/chromium', [{ src: path.join(fixtures, 'faces/face-present-30fps.mjpeg'), out: clip }]);
  fs.writeFileSync(wav, toWav48k(fs.readFileSync(path.join(fixtures, 'audio/speech-labelled/testset-audio-01.wav'))));
  const now = Date.now(), day = 24 * 3600e3;
  // Every camera and microphone detector on, at the defaults bench.sh's
  // replay policy uses.
  const exam = await api('/api/v1/exams', {
    name: `bench-${now}`, course: 'BENCH', start: new Date(now - 5 * 60e3).toISOString(), end: new Date(now + 2 * 3600e3).toISOString(),
    announced: new Date(now - 11 * day).toISOString(), legal_basis: 'bench', alternatives_considered: 'An oral exam; a take-home assignment.',
    alternative_exam: 'An oral exam.', url: '/sample-exam', interval_s: 30,
    detectors: [{ kind: 'face_absent', threshold_s: 10 }, { kind: 'multiple_faces', threshold_s: 3 }, { kind: 'looking_away', threshold_s: 10 }, { kind: 'speech', threshold_s: 5 }],
  });
  const { students } = await api(`/api/v1/exams/${exam.id}/students`, 'student_id,email\nbench-1,bench-1@example.edu\n', 'text/csv');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`,
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext();
  const blocked = [];
  const origin = new URL(base).origin;
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.origin === origin || u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
    blocked.push(u.href);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  // Count what the detection worker reports, from the page's side.
  // LOKAAL_BENCH_WORKLET=1 measures the other path: the speech worklet, as
  // browsers without MediaStreamTrackProcessor run it.
  if (process.env.LOKAAL_BENCH_WORKLET) await page.addInitScript(() => { delete window.MediaStreamTrackProcessor; });
  await page.addInitScript(() => {
    const W = window.Worker;
    const stats = { faces: 0, face_ms: 0, speech_msgs: 0, speech_ms: 0, errors: 0 };
    window.lokaalBenchWorker = stats;
    window.Worker = class extends W {
      constructor(...a) {
        super(...a);
        this.addEventListener('message', ({ data }) => {
          if (data?.type === 'faces') { stats.faces++; stats.face_ms += data.ms || 0; }
          else if (data?.type === 'speech') { stats.speech_msgs++; stats.speech_ms += data.ms || 0; }
          else if (data?.type === 'error') stats.errors++;
        });
      }
    };
  });
  const step = (s, timeout = 30000) => page.waitForSelector(`body[data-step="${s}"]`, { timeout });
  await page.goto(new URL(students[0].link, base).href);
  await step('transparency');
  await page.click('[data-action=to-precheck]');
  await step('precheck');
  await page.click('[data-action=precheck-start]');
  await page.waitForSelector('#precheck-result', { state: 'visible', timeout: 60000 });
  await page.click('[data-action=to-choice]');
  await step('choice');
  await page.click('[data-action=choose][value=proctored]');
  await step('exam', 30000);
  await page.waitForTimeout(5000); // the worker loaded, the wasm tiered up
  const cdp = await browser.newBrowserCDPSession();
  const renderers = async () => {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    return processInfo.filter((p) => p.type === 'renderer');
  };
  const stats = () => page.evaluate(() => ({ ...window.lokaalBenchWorker }));
  const [r0, s0, t0] = [await renderers(), await stats(), Date.now()];
  const th0 = threads(r0);
  await page.waitForTimeout(seconds * 1000);
  const [r1, s1, t1] = [await renderers(), await stats(), Date.now()];
  const th1 = threads(r1);
  const wall = (t1 - t0) / 1000;
  const cpu = (list) => list.reduce((s, p) => s + p.cpuTime, 0);
  // Renderers alive at both ends (the page's; the framed exam may share it).
  const both = r1.filter((p) => r0.some((q) => q.id === p.id));
  const used = cpu(both) - cpu(r0.filter((q) => both.some((p) => p.id === q.id)));
  // CPU time per renderer thread, by the thread's name, over the window.
  const byName = {};
  for (const [k, t] of th1) {
    const t0 = th0.get(k);
    if (t0) byName[t.name] = (byName[t.name] || 0) + (t.ns - t0.ns) / 1e9 / wall;
  }
  const named = (re) => Object.entries(byName).filter(([n]) => re.test(n)).reduce((s, [, v]) => s + v, 0);
  if (th1.size) {
    Object.assign(out, {
      exam_page_worker_thread_cpu_share: named(/^DedicatedWorker/),
      exam_page_audio_thread_cpu_share: named(/^(AudioWorklet|Audio)/i),
      exam_page_main_thread_cpu_share: named(/^(CrRendererMain|chromium)$/),
      exam_page_threads_cpu_share: Object.fromEntries(Object.entries(byName).filter(([, v]) => v >= 0.001).sort((a, b) => b[1] - a[1]).map(([n, v]) => [n, +v.toFixed(4)])),
    });
  }
  Object.assign(out, {
    exam_page_renderer_cpu_share: used / wall,
    exam_page_renderers: both.length,
    exam_page_face_frames: s1.faces - s0.faces,
    exam_page_face_ms_per_frame: s1.faces > s0.faces ? (s1.face_ms - s0.face_ms) / (s1.faces - s0.faces) : null,
    exam_page_face_core_share: (s1.face_ms - s0.face_ms) / 1000 / wall,
    exam_page_frames_per_s: (s1.faces - s0.faces) / wall,
    exam_page_speech_messages: s1.speech_msgs - s0.speech_msgs,
    exam_page_speech_core_share: (s1.speech_ms - s0.speech_ms) / 1000 / wall,
    exam_page_detect_core_share: (s1.face_ms - s0.face_ms + s1.speech_ms - s0.speech_ms) / 1000 / wall,
    exam_page_worker_errors: s1.errors - s0.errors,
    exam_page_blocked_requests: blocked,
    chromium: browser.version(),
    what: 'renderer CPU time (CDP SystemInfo.getProcessInfo) over the window: page + detection worker + framed exam + speech worklet; face share from the worker\'s own per-frame ms',
  });
  console.log(`  exam page in Chromium ${browser.version()}, ${wall.toFixed(0)} s of a proctored exam (fake camera: face-present, fake microphone: speech):`);
  console.log(`    renderer CPU ${(100 * out.exam_page_renderer_cpu_share).toFixed(1)} % of one core (page + worker + framed exam; ${both.length} renderer process(es))`);
  console.log(`    face detection in the worker: ${out.exam_page_face_frames} frames (${out.exam_page_frames_per_s.toFixed(2)}/s), ${out.exam_page_face_ms_per_frame?.toFixed(1) ?? '–'} ms each, ${(100 * out.exam_page_face_core_share).toFixed(2)} % of one core; ${out.exam_page_speech_messages} speech messages, ${out.exam_page_worker_errors} worker errors`);
  if (th1.size) console.log(`    CPU time by thread (/proc): detection worker ${(100 * out.exam_page_worker_thread_cpu_share).toFixed(2)} % of one core (all it does: frames drawn and read back, face and speech calls, messages), audio worklet ${(100 * out.exam_page_audio_thread_cpu_share).toFixed(2)} %, page main thread ${(100 * out.exam_page_main_thread_cpu_share).toFixed(2)} %; ${JSON.stringify(out.exam_page_threads_cpu_share)}`);
  console.log(`    speech detection in the worker: ${(100 * out.exam_page_speech_core_share).toFixed(2)} % of one core; face and speech together ${(100 * out.exam_page_detect_core_share).toFixed(2)} %`);
  if (blocked.length) console.log(`    BLOCKED ${blocked.length} non-loopback request(s): ${blocked.slice(0, 3).join(', ')}`);
} catch (e) {
  console.log(`  exam page CPU: not measured: ${String(e.message || e).split('\n')[0].slice(0, 300)}`);
  out.error = String(e.message || e).slice(0, 500);
} finally {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (outJSON) fs.writeFileSync(outJSON, JSON.stringify(out, null, 1) + '\n');
}
