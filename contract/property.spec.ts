// The property run: for every operation of /api/openapi.json, fast-check
// generates requests from the document's own schemas (values that follow
// them, values that break them in one place, junk, huge strings, text
// that is not JSON, duplicate and case-folded keys, the wrong content
// type, odd path ids), sent by every kind of caller (none, a made-up
// token, the admin token, a reviewer, students, a staff login session
// with and without its CSRF token, a kiosk and a proctor that sign what
// they send). Every answer must be one the document gives for that
// operation: never a 5xx, a documented status and content type, an error
// body matching Error with a code of Error.code's enum, a 2xx body
// matching its schema (ajv).
//
// Bounded: a fixed seed (LOKAAL_PROPERTY_SEED overrides it), at most
// LOKAAL_PROPERTY_RUNS requests per operation (60), sent for at most
// LOKAAL_PROPERTY_MS milliseconds per operation (300; at least 5 are sent
// however long they take): under a minute a target on a loaded 2-core
// machine (measured: natively 23 s, on the Worker 48 s).
// A failure prints the seed and fast-check's path, which replay it.
//
// Requests come from a loopback address of their own per operation
// (127.0.1.N, bound as the source address), so the failure budgets the
// run spends (refused tokens, codes, logins per address) are not those of
// the other specs, which send from 127.0.0.1.
//
// What the run leaves alone, as the other specs share the databases: the
// retention policy (an authorised PUT sends the policy in force, so the
// policy never changes; schema-breaking ones are sent as generated) and an
// authorised POST /api/v1/retention/run (it would roll up another spec's
// batches between its writes and its check); that one is sent by callers
// who may not run it.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import fc from 'fast-check';
import { adminToken } from './env';
import { admin, bearer, Device, examWithStudents, genesis, Proctor, rawPublicKey, sign, unique, type Target } from './lib';
import { breaking, huge, junk, resolve, valid, type Defs, type Schema } from './schemagen';

const seed = Number(process.env.LOKAAL_PROPERTY_SEED ?? 20261202);
const numRuns = Number(process.env.LOKAAL_PROPERTY_RUNS ?? 60);
const msPerOperation = Number(process.env.LOKAAL_PROPERTY_MS ?? 300);
// Sent whatever the time: a slow target is still checked.
const minRuns = 5;

type Response = { description?: string; content?: Record<string, { schema?: Schema }> };
type Parameter = { name: string; in: 'path' | 'query'; required?: boolean; schema?: Schema };
type Operation = {
  'x-roles'?: string[]; parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, Response>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Defs } };

// The operations are read from the file the server embeds, so that each
// is a test of its own; the run checks against the served document, which
// must be the same.
const file: Doc = JSON.parse(readFileSync(join(__dirname, '..', 'server', 'httpapi', 'openapi.json'), 'utf8'));
const operations = Object.entries(file.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));

// ---- HTTP from a chosen loopback address ----

type Answer = { status: number; type: string; headers: http.IncomingHttpHeaders; text: string };
type Request = { method: string; path: string; headers: Record<string, string>; body?: string };

function send(base: string, from: string, req: Request): Promise<Answer> {
  const url = new URL(req.path, base);
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  return new Promise((done, fail) => {
    const r = http.request({
      // A connection per request: a server may close one after an answer
      // (a refused body), and a kept-alive socket would then hang up.
      host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, agent: false, localAddress: from,
      headers: { ...req.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done({
        status: res.statusCode ?? 0, headers: res.headers,
        type: String(res.headers['content-type'] ?? '').split(';')[0].trim(),
        text: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', fail);
    });
    r.setTimeout(20_000, () => r.destroy(new Error(`no answer in 20 s to ${req.method} ${req.path}`)));
    r.on('error', fail);
    r.end(body);
  });
}

// ---- the callers and what they own ----

type Caller = { name: string; headers: Record<string, string> };
type World = {
  callers: Caller[];
  logoutCaller: Caller;
  ids: Record<string, string[]>; // path parameter pools, by "path param"
  device: Device; proctor: Proctor;
  policy: unknown;
  validate: (schema: Schema) => ValidateFunction;
  codes: string[];
};

// login starts a staff session over a connection of its own: the
// request context's cookie jar would send the previous session's cookie,
// which a login ends.
async function login(base: string, name: string, password: string): Promise<Caller> {
  const res = await send(base, '127.0.0.1', { method: 'POST', path: '/auth/login', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
  expect(res.status, res.text).toBe(200);
  const cookie = [res.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]).join('; ');
  expect(cookie, 'a session cookie').toMatch(/^lokaal_session=[0-9a-f]+$/);
  return { name: 'staff session', headers: { Cookie: cookie, 'X-CSRF-Token': JSON.parse(res.text).csrf } };
}

async function makeWorld(request: APIRequestContext, base: string, served: Doc): Promise<World> {
  const t: Target = { request, base: '' };
  const post = async (path: string, data: unknown, headers = admin) => {
    const res = await request.post(path, { headers, data });
    expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
    return res.json();
  };
  const reviewer = await post('/api/v1/reviewers', { name: unique('prop-reviewer') });
  const { exam, tokens } = await examWithStudents(t, 3);
  const res = await request.post(`/api/v1/exams/${exam}/students`, {
    headers: { ...admin, 'Content-Type': 'text/csv' }, data: `student_id,email\n${unique('p')},p@example.edu\n` });
  expect(res.status(), await res.text()).toBe(201);
  const studentIds = ((await res.json()).students as { id: string }[]).map((s) => s.id);
  // A reviewer sees only the exams assigned to them.
  const assigned = await request.put(`/api/v1/exams/${exam}/reviewers`, { headers: admin, data: { reviewers: [reviewer.reviewer.id] } });
  expect(assigned.status(), await assigned.text()).toBe(200);

  // A proctored session with one summary, marked by the reviewer.
  const proctor = new Proctor(t, tokens[0]);
  expect((await proctor.start()).status).toBe(201);
  const now = Date.now();
  const first = proctor.summary(1, genesis, [{ kind: 'focus_lost', start: now - 4000, end: now - 3000, peak: 1 }], now - 5000);
  expect((await proctor.post(proctor.sign(first))).status).toBe(200);
  const mark = await post(`/api/v1/review/sessions/${proctor.session}/marks`, { kind: 'appeal', reason: 'property run' }, bearer(reviewer.token));

  const device = await Device.enrolled(t, unique('prop-room'));
  const password = crypto.randomBytes(12).toString('hex');
  const staff = await post('/api/v1/users', { name: unique('prop-staff'), role: 'admin', password });
  const victim = await post('/api/v1/users', { name: unique('prop-victim'), role: 'reviewer', password });
  const cookie = await login(base, staff.user.name, password);
  // Logging out may end every session of its account: the logout runs
  // with an account of its own.
  const leaving = await post('/api/v1/users', { name: unique('prop-leaving'), role: 'reviewer', password });
  const logoutCaller = await login(base, leaving.user.name, password);
  // A deletion request of a student of the exam (pending: the window is open).
  const del = await request.post('/api/v1/student/deletion-request', { headers: bearer(tokens[2]), data: { reason: 'property run' } });
  expect(del.status(), await del.text()).toBeLessThan(300);
  const deletion = (await del.json()).request?.id;
  const policy = (await (await request.get('/api/v1/retention', { headers: admin })).json()).policy;

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', { validate: (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('binary', true);
  // The document's $refs point into components/schemas: the same schemas
  // under one id, so every response schema compiles against them.
  const rebase = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replaceAll('"#/components/schemas/', '"lokaal#/$defs/'));
  ajv.addSchema({ $id: 'lokaal', $defs: rebase(served.components.schemas) });
  const compiled = new Map<string, ValidateFunction>();
  const validate = (schema: Schema) => {
    const key = JSON.stringify(schema);
    let v = compiled.get(key);
    if (!v) compiled.set(key, v = ajv.compile(rebase(schema) as object));
    return v;
  };

  const cookieHeaders = cookie.headers;
  return {
    callers: [
      { name: 'nobody', headers: {} },
      { name: 'a made-up bearer token', headers: bearer(crypto.randomBytes(32).toString('base64url')) },
      { name: 'admin token', headers: bearer(adminToken) },
      { name: 'reviewer token', headers: bearer(reviewer.token) },
      { name: 'student with a session', headers: bearer(tokens[0]) },
      { name: 'student without a choice', headers: bearer(tokens[1]) },
      { name: 'student who asked for deletion', headers: bearer(tokens[2]) },
      cookie,
      { name: 'staff session without CSRF token', headers: { Cookie: cookieHeaders.Cookie } },
      { name: 'staff session from another origin', headers: { ...cookieHeaders, Origin: 'http://evil.example' } },
    ],
    logoutCaller,
    ids: {
      '/api/v1/users/{id} id': [victim.user.id],
      '/api/v1/deletion-requests/{id}/decision id': deletion ? [String(deletion)] : [],
      '/assets/{name} name': ['outbox.js', 'style.css', 'build/wasm_exec.js'],
      '/api/v1/kiosks/{id}/enrolment-code id': [device.kiosk],
      '/api/v1/kiosks/{id}/lines id': [device.kiosk],
      '/api/v1/devices/{device}/config device': [device.id],
      '/api/v1/exams/{id} id': [exam],
      '/api/v1/exams/{id}/students id': [exam],
      '/api/v1/students/{id}/accommodations id': studentIds,
      '/api/v1/review/exams/{id}/sessions id': [exam],
      '/api/v1/review/sessions/{id} id': [proctor.session],
      '/api/v1/review/sessions/{id}/timeline.svg id': [proctor.session],
      '/api/v1/review/sessions/{id}/marks id': [proctor.session],
      '/api/v1/review/sessions/{id}/marks/{mark} id': [proctor.session],
      '/api/v1/review/sessions/{id}/marks/{mark} mark': [String(mark.id)],
      '/api/v1/review/sessions/{id}/notes id': [proctor.session],
      '/api/v1/student/sessions/{id}/timeline.svg id': [proctor.session],
      '/api/v1/sessions/{id}/finish id': [proctor.session],
    },
    device, proctor, policy, validate,
    codes: (served.components.schemas.Error.properties!.code.enum ?? []) as string[],
  };
}

// ---- requests from the schemas ----

// An id that is one path segment but nobody's: unicode, escapes, long.
const oddId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('0', '-1', '99999999999999999999', 'null', '%00', 'a%2Fb', ' ', 'x'.repeat(300), '💥', "'; DROP TABLE x; --"),
  fc.uuid(),
).filter((s) => s !== '.' && s !== '..' && !s.includes('/')); // a '/' makes another path, not an odd id of this one

const jsonText = (v: unknown) => JSON.stringify(v) ?? 'null';
// Keys of an object with their first letter upper-cased: Go's decoder
// would match them to the fields, a strict one must not.
const foldKeys = (v: unknown) => v && typeof v === 'object' && !Array.isArray(v)
  ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.charAt(0).toUpperCase() + k.slice(1), x])) : v;
// The first key twice: a strict decoder must refuse it.
const duplicateKey = (v: unknown) => {
  const text = jsonText(v);
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) return text;
  const [k, x] = Object.entries(v)[0];
  return `{${JSON.stringify(k)}:${jsonText(x)},${text.slice(1)}`;
};

// What a body is made of: its text and content type.
type Body = { text?: string; type?: string; what: string };

function bodies(world: World, method: string, path: string, op: Operation, defs: Defs): fc.Arbitrary<Body> {
  const content = op.requestBody?.content ?? {};
  const [type, media] = Object.entries(content)[0] ?? [];
  const raw = fc.oneof(
    fc.constantFrom('{', '{"a":', '[]', 'null', '""', '\u0000', '{}{}').map((text) => ({ text, type: type ?? 'application/json', what: 'not the JSON asked for' })),
    huge.map((text) => ({ text: JSON.stringify({ text }), type: type ?? 'application/json', what: 'a huge body' })),
  );
  if (!media?.schema) {
    // No body documented: none, and now and then junk for a write.
    if (method === 'GET' || method === 'DELETE') return fc.constant({ what: 'no body' });
    return fc.oneof({ weight: 3, arbitrary: fc.constant({ what: 'no body' }) }, { weight: 1, arbitrary: raw });
  }
  if (type === 'text/csv') {
    const row = fc.tuple(fc.string({ maxLength: 12 }), fc.oneof(fc.emailAddress(), fc.string({ maxLength: 12 })));
    const csv = fc.array(row, { maxLength: 4 }).map((rows) => 'student_id,email\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
    return fc.oneof(
      csv.map((text) => ({ text, type, what: 'a CSV' })),
      fc.string({ maxLength: 40 }).map((text) => ({ text, type, what: 'text' })),
      csv.map((text) => ({ text, type: 'application/json', what: 'a CSV as JSON' })),
      raw,
    );
  }
  const schema = media.schema;
  const signed = signedBodies(world, path, schema, defs);
  return fc.oneof(
    { weight: 4, arbitrary: (signed ?? valid(schema, defs)).map((v) => ({ text: jsonText(v), type, what: 'valid' })) },
    { weight: 4, arbitrary: breaking(schema, defs).map((v) => ({ text: jsonText(v), type, what: 'breaks the schema' })) },
    { weight: 1, arbitrary: junk.map((v) => ({ text: jsonText(v), type, what: 'junk' })) },
    { weight: 1, arbitrary: valid(schema, defs).map((v) => ({ text: jsonText(foldKeys(v)), type, what: 'keys in another case' })) },
    { weight: 1, arbitrary: valid(schema, defs).map((v) => ({ text: duplicateKey(v), type, what: 'a duplicate key' })) },
    { weight: 1, arbitrary: valid(schema, defs).map((v) => ({ text: jsonText(v) + ' {}', type, what: 'trailing data' })) },
    { weight: 1, arbitrary: valid(schema, defs).map((v) => ({ text: jsonText(v), type: 'text/plain', what: 'the wrong content type' })) },
    { weight: 1, arbitrary: raw },
  );
}

// signedBodies: what the kiosk and the proctor of the run send, their
// fields from the schema and their signatures real, so that requests get
// past the signature check into what follows it.
function signedBodies(world: World, path: string, schema: Schema, defs: Defs): fc.Arbitrary<unknown> | undefined {
  const field = (name: string) => resolve(schema, defs).properties![name];
  const { device, proctor } = world;
  if (path === '/api/v1/counts') {
    return valid(field('batch'), defs).map((b) => device.sign({ ...(b as object), device: device.id } as never));
  }
  if (path === '/api/v1/summaries') {
    return valid(field('summary'), defs).map((s) => proctor.sign({ ...(s as object), session: proctor.session } as never));
  }
  if (path === '/api/v1/sessions/{id}/finish') {
    return valid(field('finish'), defs).map((f) => {
      const finish = { ...(f as object), session: proctor.session };
      return { finish, sig: sign('lokaal/exam-finish/v1\n', finish, proctor.keys.privateKey) };
    });
  }
  if (path === '/api/v1/enrol') {
    return fc.record({ code: fc.string({ maxLength: 30 }), public_key: fc.constant(rawPublicKey(crypto.generateKeyPairSync('ed25519').publicKey)) });
  }
  return undefined;
}

// The roles each caller may act in (a staff session is the admin's).
const callerRoles: Record<string, string[]> = {
  'admin token': ['admin', 'reviewer'],
  'reviewer token': ['reviewer'],
  'staff session': ['admin', 'reviewer'],
  'student with a session': ['student'],
  'student without a choice': ['student'],
  'student who asked for deletion': ['student'],
  nobody: ['public', 'device'],
};

function requests(world: World, method: string, path: string, op: Operation, defs: Defs): fc.Arbitrary<Request & { caller: string; what: string }> {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path').map((p) => {
    const pool = world.ids[`${path} ${p.name}`] ?? [];
    const arb = pool.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: oddId }) : oddId;
    return arb.map((v) => [p.name, v] as const);
  });
  const queryParams = params.filter((p) => p.in === 'query').map((p) =>
    fc.option(fc.oneof(
      valid(p.schema ?? { type: 'string' }, defs).map(String),
      breaking(p.schema ?? { type: 'string' }, defs).map(String),
      fc.string({ maxLength: 12 }),
    ), { nil: undefined }).map((v) => [p.name, v] as const));
  // Logging out ends the session it is sent with: that operation has a
  // session of its own.
  const callers = path === '/auth/logout' ? [...world.callers.slice(0, -3), world.logoutCaller] : world.callers;
  // Two in three requests come from callers of the operation's roles, so
  // that most get past authentication into what the handler checks.
  const roles = op['x-roles'] ?? [];
  const fits = callers.filter((c) => roles.some((r) => callerRoles[c.name]?.includes(r)));
  return fc.record({
    caller: fits.length
      ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...fits) }, { weight: 1, arbitrary: fc.constantFrom(...callers) })
      : fc.constantFrom(...callers),
    path: fc.tuple(...pathParams),
    query: fc.tuple(...queryParams),
    extra: fc.option(fc.tuple(fc.constantFrom('x', 'debug', 'admin'), fc.string({ maxLength: 8 })), { nil: undefined, freq: 5 }),
    body: bodies(world, method, path, op, defs),
  }).map(({ caller, path: ps, query, extra, body }) => {
    let p = path;
    for (const [name, v] of ps) p = p.replace(`{${name}}`, encodeURIComponent(v));
    const q = new URLSearchParams();
    for (const [name, v] of query) if (v !== undefined) q.set(name, v);
    if (extra) q.set(extra[0], extra[1]);
    const headers: Record<string, string> = { ...caller.headers };
    if (body.type) headers['Content-Type'] = body.type;
    const req = { method, path: q.size ? `${p}?${q}` : p, headers, body: body.text, caller: caller.name, what: body.what };
    // How fast-check prints a counterexample: huge bodies cut short.
    return Object.assign(req, { [fc.toStringMethod]: () => JSON.stringify({ ...req, body: req.body && req.body.length > 300 ? `${req.body.slice(0, 300)}… (${req.body.length} chars)` : req.body }) });
  });
}

// ---- the check of one answer ----

const isAuthorisedAdmin = (headers: Record<string, string>) =>
  headers.Authorization === `Bearer ${adminToken}` || (headers.Cookie !== undefined && headers['X-CSRF-Token'] !== undefined && !headers.Origin);

function check(world: World, op: Operation, req: Request, a: Answer): string | undefined {
  if (a.status >= 500) return `a 5xx: ${a.status}`;
  const documented = op.responses[String(a.status)];
  if (!documented) return `status ${a.status} is not documented for this operation (documented: ${Object.keys(op.responses).join(', ')})`;
  const content = documented.content;
  if (!content) {
    if (a.status === 204 || a.status === 304) return a.text === '' ? undefined : `a ${a.status} with a body`;
    return undefined; // documented without a content type (/assets/{name})
  }
  const media = content[a.type];
  if (!media) return `content type "${a.type}" is not documented for ${a.status} (documented: ${Object.keys(content).join(', ')})`;
  if (a.type !== 'application/json') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(a.text);
  } catch {
    return 'a JSON answer that does not parse';
  }
  if (a.status >= 400) {
    const code = (body as { code?: unknown })?.code;
    if (!world.codes.includes(code as string)) return `error code ${JSON.stringify(code)} is not in Error.code`;
    if (a.status === 429 && !a.headers['retry-after']) return 'a 429 without Retry-After';
  }
  if (media.schema) {
    const v = world.validate(media.schema);
    if (!v(body)) return `the body does not match the schema for ${a.status}: ${JSON.stringify(v.errors?.slice(0, 3))}`;
  }
  return undefined;
}

// ---- the run ----

test.describe.configure({ mode: 'default' });

let world: World;
let served: Doc;

test.beforeAll(async ({ playwright }, info) => {
  info.setTimeout(60_000);
  const request = await playwright.request.newContext({ baseURL: info.project.use.baseURL });
  const res = await request.get('/api/openapi.json');
  expect(res.status()).toBe(200);
  served = await res.json();
  expect(served, 'the served document is server/httpapi/openapi.json').toEqual(file);
  world = await makeWorld(request, info.project.use.baseURL!, served);
  await request.dispose();
});

operations.forEach(({ method, path, op }, i) => {
  test(`${method} ${path} answers as documented`, async ({ baseURL }) => {
    const from = `127.0.1.${i + 1}`;
    const defs = served.components.schemas;
    const sop = served.paths[path][method.toLowerCase()];
    let arb = requests(world, method, path, sop, defs);
    if (path === '/api/v1/retention/run') arb = arb.filter((r) => !isAuthorisedAdmin(r.headers));
    let sent = 0;
    const statuses = new Map<string, number>();
    const deadline = Date.now() + msPerOperation;
    const property = fc.asyncProperty(arb, async (req) => {
      // Past the deadline the rest of the runs pass unsent (shrinking too,
      // so a failure found late is reported as found).
      if (sent >= minRuns && Date.now() > deadline) return;
      if (path === '/api/v1/retention' && method === 'PUT' && isAuthorisedAdmin(req.headers) && req.body !== undefined) {
        // An authorised valid policy would change the other specs' world:
        // the policy in force is sent instead (a no-op that must be 200).
        try {
          if (world.validate(sop.requestBody!.content['application/json'].schema!)(JSON.parse(req.body))) req.body = JSON.stringify(world.policy);
        } catch { /* not JSON: sent as it is */ }
      }
      const a = await send(baseURL!, from, req);
      sent++;
      const key = `${req.caller}: ${a.status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const wrong = check(world, sop, req, a);
      if (wrong) {
        throw new Error(`${wrong}\n  caller: ${req.caller}; body: ${req.what}\n  ${req.method} ${req.path}\n  sent: ${(req.body ?? '').slice(0, 300)}\n  answer ${a.status} ${a.type}: ${a.text.slice(0, 500)}`);
      }
    });
    const out = await fc.check(property, { seed: seed + i, numRuns });
    console.log(`${method} ${path}: ${sent} requests from ${from}, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    if (out.failed) {
      const replay = `LOKAAL_PROPERTY_SEED=${seed} (this operation: seed ${out.seed}, path ${JSON.stringify(out.counterexamplePath)})`;
      throw new Error(`${method} ${path}: ${String(out.errorInstance instanceof Error ? out.errorInstance.message : out.errorInstance)}\n${(await fc.asyncDefaultReportMessage(out)) ?? ''}\nreplay: ${replay}`);
    }
    expect(sent, 'requests were sent').toBeGreaterThan(0);
  });
});
