// fast-check arbitraries from the JSON Schema subset openapi.json uses
// ($ref, allOf, oneOf, enum, const, type or a list of types, string
// lengths, patterns and formats, integer and number bounds, arrays, objects
// with required keys and additionalProperties), for the property run
// (property.spec.ts): values that follow a schema, and values that break
// it in one place, the way a hostile or broken client would.
import fc from 'fast-check';

export type Schema = {
  $ref?: string; allOf?: Schema[]; oneOf?: Schema[]; anyOf?: Schema[];
  enum?: unknown[]; const?: unknown; type?: string | string[]; format?: string; pattern?: string;
  minLength?: number; maxLength?: number; minimum?: number; maximum?: number;
  items?: Schema; minItems?: number; maxItems?: number;
  properties?: Record<string, Schema>; required?: string[]; additionalProperties?: boolean | Schema;
};
export type Defs = Record<string, Schema>;

// Sizes stay small: a run sends thousands of requests. Huge values are
// junk's business.
const maxString = 24;
const maxArray = 3;

// resolve follows $ref and merges allOf, so callers see one plain schema.
export function resolve(s: Schema, defs: Defs): Schema {
  if (s.$ref) {
    const name = s.$ref.replace('#/components/schemas/', '');
    if (!defs[name]) throw new Error(`unknown $ref ${s.$ref}`);
    const { $ref: _, ...rest } = s;
    return resolve({ ...defs[name], ...rest }, defs);
  }
  if (s.allOf) {
    const { allOf, ...rest } = s;
    return allOf.map((p) => resolve(p, defs)).reduce((a, b) => ({
      ...a, ...b,
      properties: { ...a.properties, ...b.properties },
      required: [...(a.required ?? []), ...(b.required ?? [])],
    }), rest as Schema);
  }
  return s;
}

const typesOf = (s: Schema): string[] => {
  if (s.type) return Array.isArray(s.type) ? s.type : [s.type];
  if (s.properties) return ['object'];
  if (s.items) return ['array'];
  return [];
};

// An instant around now (a year either way), as Go's time.Time renders it.
const dateTime = fc.integer({ min: Date.now() - 366 * 864e5, max: Date.now() + 366 * 864e5 }).map((ms) => new Date(ms).toISOString());

// valid generates values the schema accepts.
export function valid(s0: Schema, defs: Defs, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(s0, defs);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.oneOf ?? s.anyOf;
  if (alts) return fc.oneof(...alts.map((a) => valid(a, defs, depth + 1)));
  const types = typesOf(s);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...types.map((t) => validOfType(t, s, defs, depth)));
}

function validOfType(t: string, s: Schema, defs: Defs, depth: number): fc.Arbitrary<unknown> {
  switch (t) {
    case 'null': return fc.constant(null);
    case 'boolean': return fc.boolean();
    case 'integer': return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? (s.minimum !== undefined ? s.minimum + 2e12 : 2e12) });
    case 'number': return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'string': {
      if (s.format === 'date-time') return dateTime;
      if (s.format === 'email') return fc.emailAddress();
      const minLength = s.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxLength ?? maxString, maxString));
      if (s.pattern) {
        const re = new RegExp(s.pattern);
        return fc.stringMatching(re).filter((v) => v.length >= minLength && v.length <= (s.maxLength ?? Infinity));
      }
      return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ minLength, maxLength, unit: 'grapheme' }), fc.string({ minLength, maxLength, unit: 'binary' }));
    }
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? maxArray, maxArray));
      if (depth > 4) return fc.constant(Array(minLength).fill(null));
      return fc.array(valid(s.items ?? {}, defs, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const props = s.properties ?? {};
      const required = s.required ?? [];
      const model = Object.fromEntries(Object.entries(props).map(([k, p]) => [k, valid(p, defs, depth + 1)]));
      for (const k of required) if (!model[k]) model[k] = fc.jsonValue({ maxDepth: 1 });
      const rec = fc.record(model, { requiredKeys: required.filter((k) => k in model) });
      if (typeof s.additionalProperties === 'object' && Object.keys(props).length === 0) {
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), valid(s.additionalProperties, defs, depth + 1), { maxKeys: 3 });
      }
      return rec;
    }
    default: throw new Error(`schema type ${t} is not in the generator's subset`);
  }
}

// A value of another JSON type than t, or none at all.
const otherThan = (types: string[]) => fc.oneof(
  ...[
    types.includes('null') ? null : fc.constant(null),
    types.includes('boolean') ? null : fc.boolean(),
    types.includes('integer') || types.includes('number') ? null : fc.oneof(fc.integer(), fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308)),
    types.includes('string') ? null : fc.string({ maxLength: 8 }),
    types.includes('array') ? null : fc.array(fc.integer(), { maxLength: 2 }),
    types.includes('object') ? null : fc.constant({}),
  ].filter((a): a is fc.Arbitrary<any> => a !== null),
);

// huge is a string far over any field's limit but under the body limits'
// drain size (server/httpapi/limits.go), so the server reads it and
// answers 413 on an open connection.
export const huge = fc.integer({ min: 5_000, max: 200_000 }).map((n) => 'x'.repeat(n));

// junk is any JSON value, of any shape.
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 16 }),
  fc.jsonValue({ maxDepth: 3 }), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }), huge,
);

// breaking generates values that break the schema in one place: the
// wrong type, a value out of its bounds or enum, a required key missing,
// an unknown key, or the same broken inside a property.
export function breaking(s0: Schema, defs: Defs, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(s0, defs);
  const types = typesOf(s);
  const options: fc.Arbitrary<unknown>[] = [otherThan(types)];
  if (s.enum) options.push(fc.string({ maxLength: 12 }).filter((v) => !s.enum!.includes(v)));
  if (types.includes('string')) {
    if (s.maxLength !== undefined) options.push(fc.constant('y'.repeat(s.maxLength + 1)));
    if (s.minLength) options.push(fc.constant('y'.repeat(s.minLength - 1)));
    if (s.format === 'date-time') options.push(fc.constantFrom('yesterday', '2026-13-40T25:61:00Z', '1e3', ''));
    if (s.format === 'email') options.push(fc.constantFrom('not an address', '@', 'a@'));
    if (s.pattern) options.push(fc.string({ maxLength: 12 }).filter((v) => !new RegExp(s.pattern!).test(v)));
  }
  if (types.includes('integer') || types.includes('number')) {
    if (s.minimum !== undefined) options.push(fc.constant(s.minimum - 1));
    if (s.maximum !== undefined) options.push(fc.constant(s.maximum + 1));
    if (types.includes('integer') && !types.includes('number')) options.push(fc.constantFrom(0.5, 1e21));
  }
  if (types.includes('array') && depth < 4) {
    if (s.maxItems !== undefined) options.push(fc.array(valid(s.items ?? {}, defs, depth + 1), { minLength: s.maxItems + 1, maxLength: s.maxItems + 1 }));
    if (s.minItems) options.push(fc.constant([]));
    if (s.items) options.push(fc.tuple(breaking(s.items, defs, depth + 1)).map((a) => a as unknown[]));
  }
  if (types.includes('object') && depth < 4) {
    const base = valid({ ...s, type: 'object' }, defs, depth) as fc.Arbitrary<Record<string, unknown>>;
    const keys = Object.keys(s.properties ?? {});
    if (s.additionalProperties === false) {
      options.push(fc.tuple(base, fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !keys.includes(k)), junk)
        .map(([o, k, v]) => ({ ...o, [k]: v })));
    }
    if (s.required?.length) {
      options.push(fc.tuple(base, fc.constantFrom(...s.required)).map(([o, k]) => { const c = { ...o }; delete c[k]; return c; }));
    }
    if (keys.length) {
      options.push(fc.tuple(base, fc.constantFrom(...keys)).chain(([o, k]) =>
        breaking(s.properties![k], defs, depth + 1).map((v) => ({ ...o, [k]: v }))));
    }
  }
  return fc.oneof(...options);
}
