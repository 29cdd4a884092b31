// Scoring shared by the bench's browser runs (e2e/bench-exam.mjs for
// lokaal, e2e/peers/run.mjs for the peers), so that every detector is
// scored by the same lines, and as internal/eval scores lokaal natively:
// detection rates with 95 % Wilson intervals, 10 ms speech frames judged at
// their centre, F1 and the Matthews correlation. Node built-ins only.

// parseSCV as internal/eval/audio.go: name,start,end,label,… → speech intervals (s).
export function parseSCV(text) {
  const f = text.trim().split(',');
  const segs = [];
  for (let i = 1; i + 2 < f.length; i += 3) {
    if (Number(f[i + 2]) === 1) segs.push([Number(f[i]), Number(f[i + 1])]);
  }
  return segs;
}

// parseLabels reads a fairness set's labels.csv (file,group,gender,…).
export function parseLabels(text) {
  return text.split('\n').slice(1).filter((l) => l.trim()).map((l) => l.split(','))
    .map(([file, group, gender]) => ({ file: file.trim(), group: group.trim(), gender: (gender || '').trim() }));
}

// compareFrames judges every whole 10 ms frame of a dur-second clip at its
// centre against both segment lists ([start, end] in seconds).
export function compareFrames(pred, truth, dur) {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const inSegs = (t, segs) => segs.some(([a, b]) => t >= a && t < b);
  for (let i = 0; ; i++) {
    const mid = (i + 0.5) * 0.01;
    if (mid >= dur) return c;
    const p = inSegs(mid, pred), t = inSegs(mid, truth);
    if (p && t) c.tp++;
    else if (p) c.fp++;
    else if (t) c.fn++;
    else c.tn++;
  }
}

export function prf({ tp, fp, fn }) {
  const precision = tp + fp ? tp / (tp + fp) : null;
  const recall = tp + fn ? tp / (tp + fn) : null;
  const f1 = precision != null && recall != null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
  return { precision, recall, f1 };
}

// mcc is the Matthews correlation, null when a row or column is empty
// (always "speech" scores F1 0.866 on the labelled set, and MCC 0 or null).
export function mcc({ tp, fp, fn, tn }) {
  const den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
  return den ? (tp * tn - fp * fn) / Math.sqrt(den) : null;
}

// wilson is the 95 % Wilson score interval, as internal/eval.Wilson.
export function wilson(k, n) {
  if (!n) return { ci95_lo: 0, ci95_hi: 1 };
  const z = 1.959963984540054, p = k / n, den = 1 + (z * z) / n;
  const mid = (p + (z * z) / (2 * n)) / den, half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / den;
  return { ci95_lo: Math.max(0, mid - half), ci95_hi: Math.min(1, mid + half) };
}

export function mean(xs) {
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
}

// quantile q of xs, linear between order statistics.
export function quantile(xs, q) {
  if (!xs.length) return null;
  const v = [...xs].sort((a, b) => a - b);
  const i = (v.length - 1) * q, lo = Math.floor(i);
  return v[lo] + (v[Math.min(lo + 1, v.length - 1)] - v[lo]) * (i - lo);
}

export const cropVariant = 'FairFace val 700: each 224x224 crop drawn at its own size at the centre of a grey (128,128,128) 640x480 canvas; detected = at least one face';

// fairness scores one face count per crop (rows as labels.csv) as lokaal
// eval does: per group and group × gender with 95 % Wilson intervals, the
// largest gaps, and the share of these single-face crops with a second face.
export function fairness(counts, rows) {
  const groups = {}, cells = {};
  const add = (m, k, extra, found) => {
    m[k] ??= { ...extra, n: 0, detected: 0 };
    m[k].n++;
    if (found) m[k].detected++;
  };
  counts.forEach((n, i) => {
    add(groups, rows[i].group, { group: rows[i].group }, n > 0);
    if (rows[i].gender) add(cells, `${rows[i].group} ${rows[i].gender}`, { group: rows[i].group, gender: rows[i].gender }, n > 0);
  });
  const rates = (m) => Object.keys(m).sort().map((k) => ({ ...m[k], rate: m[k].detected / m[k].n, ...wilson(m[k].detected, m[k].n) }));
  const spread = (list, name) => {
    if (!list.length) return [null, null, null];
    const s = [...list].sort((a, b) => a.rate - b.rate);
    return [s.at(-1).rate - s[0].rate, name(s[0]), name(s.at(-1))];
  };
  const g = rates(groups), c = rates(cells);
  const [gap, lowest, highest] = spread(g, (x) => x.group);
  const [cellGap, cellLowest, cellHighest] = spread(c, (x) => `${x.group} ${x.gender}`);
  const detected = counts.filter((n) => n > 0).length, second = counts.filter((n) => n > 1).length;
  return {
    variant: cropVariant, n: counts.length, detected, rate: detected / counts.length, ...wilson(detected, counts.length),
    groups: g, group_gender: c, gap, lowest, highest, group_gender_gap: cellGap, group_gender_lowest: cellLowest, group_gender_highest: cellHighest,
    second_face: second, second_face_rate: second / counts.length, ...prefix('second_face_', wilson(second, counts.length)),
    faces_per_crop: counts.reduce((s, n) => s + n, 0) / counts.length,
  };
}

const prefix = (p, o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [p + k, v]));

// faceSummary turns per-clip frame times and face counts ({clip, times,
// counts}) and per-crop [faces, box centre inside the crop] into the
// figures the bench prints for every face detector.
export function faceSummary({ perClip, cropResults, rows, config, backend, firstMs }) {
  const all = perClip.flatMap((c) => c.times);
  const clips = perClip.map((c) => ({
    clip: c.clip, frames: c.times.length, ms_frame_mean: mean(c.times), ms_frame_median: quantile(c.times, 0.5),
    faces_per_frame: mean(c.counts), frames_with_face: c.counts.filter((n) => n > 0).length, frames_with_two_plus: c.counts.filter((n) => n > 1).length,
  }));
  const empty = clips.find((c) => c.clip.startsWith('empty-room'));
  const out = {
    config, backend, first_detection_ms: firstMs ?? null,
    frames_timed: all.length, ms_frame_mean: mean(all), ms_frame_median: quantile(all, 0.5), ms_frame_p90: quantile(all, 0.9),
    clips,
    empty_room: empty ? { frames: empty.frames, frames_with_face: empty.frames_with_face, faces: Math.round(empty.faces_per_frame * empty.frames) } : null,
    fairface: cropResults?.length ? fairness(cropResults.map(([n]) => n), rows) : null,
  };
  if (out.fairface) out.fairface.box_centre_in_crop = cropResults.filter(([, c]) => c).length / cropResults.length;
  return out;
}

// vadSummary scores segments per file ({name, seconds, ms, segs}) against
// truth (name → segments, for the labelled files) and pooled; the other
// files are non-speech, where every flagged second is a false alarm.
export function vadSummary(files, truth, config) {
  const pooled = { tp: 0, fp: 0, fn: 0, tn: 0 };
  let ms = 0, secs = 0;
  const per = [], non = [];
  for (const f of files) {
    const speechSeconds = f.segs.reduce((s, [a, b]) => s + Math.max(0, Math.min(b, f.seconds) - a), 0);
    if (truth[f.name]) {
      const c = compareFrames(f.segs, truth[f.name], f.seconds);
      for (const k in pooled) pooled[k] += c[k];
      ms += f.ms;
      secs += f.seconds;
      per.push({ file: f.name, seconds: f.seconds, segments: f.segs.length, ...c, ...prf(c), mcc: mcc(c), ms_per_audio_s: f.ms / f.seconds });
    } else {
      non.push({ file: f.name, seconds: f.seconds, segments: f.segs.length, speech_seconds: speechSeconds, ms_per_audio_s: f.ms / f.seconds });
    }
  }
  return { config, files: per, pooled: { ...pooled, ...prf(pooled), mcc: mcc(pooled), files: per.length, seconds: secs }, ms_per_audio_s: secs ? ms / secs : null, non_speech: non };
}
