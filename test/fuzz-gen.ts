// Request generators for the fuzz suites, read from the app's own OpenAPI document: a plausible
// value for each schema (so a request gets past the first check), then one thing wrong with it.
import fc from "fast-check";

export type Schema = { [k: string]: any };
export type Spec = { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };
export type Param = { name: string; in: string; required?: boolean; schema?: Schema };
export type Operation = {
  method: string;
  path: string;
  params: Param[];
  /** The declared body's media type and schema, if any. */
  body?: { type: string; schema: Schema };
};

/** Real ids to put where a request names something, by what it names. */
export type Ids = Record<string, string[]>;

export function operations(spec: Spec): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    if (!path.startsWith("/v1/")) continue;
    for (const [method, op] of Object.entries(item)) {
      const content = op.requestBody?.content as Record<string, { schema: Schema }> | undefined;
      const [type, media] = Object.entries(content ?? {})[0] ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []) as Param[],
        ...(type && media && { body: { type, schema: media.schema } }),
      });
    }
  }
  return ops;
}

/** A schema with its $ref followed and an allOf merged into one object schema. */
export function resolve(spec: Spec, s: Schema | undefined): Schema {
  if (!s) return {};
  if (typeof s.$ref === "string") return resolve(spec, spec.components.schemas[s.$ref.split("/").pop() as string]);
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.map((p: Schema) => resolve(spec, p));
    const { allOf: _, ...rest } = s;
    const merged: Schema = { ...Object.assign({}, ...parts), ...rest };
    // "type": ["object", "null"] beside a $ref: the object it refers to.
    if (Array.isArray(merged.type)) merged.type = merged.type.find((t: string) => t !== "null");
    if (parts.some((p: Schema) => p.properties)) {
      merged.properties = Object.assign({}, ...parts.map((p: Schema) => p.properties ?? {}));
    }
    return merged;
  }
  return s;
}

// Candidates for a string with a pattern; the first that fits is used.
const PATTERNED = ["visit", "01", "09:00", "birthday", "attributes.card_last4", "card_last4", "CNY", "gold", "a1"];

function idsFor(ids: Ids, name: string): string[] | undefined {
  if (/^(customer_id|customer_ids|customers)$/.test(name)) return ids.customers;
  if (/^(group|groups|group_ids|exclude_groups|only)$/.test(name)) return [...(ids.groups ?? []), "01"];
  if (/^(owner_id|assignee_id|staff_id)$/.test(name)) return ids.staff;
  if (name === "channel_id") return ids.channels;
  if (name === "campaign_id") return ids.campaigns;
  if (name === "keyword_id") return ids.keywords;
  if (name === "template_id") return ids.templates;
  if (name === "message_id") return ids.messages;
  if (name === "inbound_id") return ids.inbound;
  return undefined;
}

function plausibleString(s: Schema, name: string, ids: Ids): fc.Arbitrary<string> {
  const known = idsFor(ids, name);
  if (known?.length) return fc.constantFrom(...known);
  if (s.format === "date-time") return fc.constantFrom("2026-11-24T02:00:00Z", "2026-12-01T10:00:00.000+08:00");
  if (s.format === "email") return fc.constant("wang@example.com");
  if (/phone/.test(name)) return fc.constantFrom("+8613800138000", "13800138001", "+8613700137000");
  if (name === "locale") return fc.constantFrom("zh-CN", "en");
  if (name === "time_zone") return fc.constant("Asia/Shanghai");
  if (name === "default_country") return fc.constant("CN");
  // A template key (an attribute's or a question's key has a shorter pattern).
  if (/^(template|key)$/.test(name) && !s.pattern?.includes("{0,39}")) return fc.constant("birthday_greeting");
  if (name === "cron") return fc.constant("0 10 * * 1");
  if (typeof s.example === "string") return fc.constant(s.example);
  if (s.pattern) {
    const re = new RegExp(s.pattern);
    return fc.constant(PATTERNED.find((p) => re.test(p)) ?? "a");
  }
  const min = s.minLength ?? 1;
  const max = Math.max(min, Math.min(s.maxLength ?? 12, 12));
  return fc.string({ minLength: min, maxLength: max, unit: fc.constantFrom(..."abcxyz 王芳01") });
}

/** A value that the schema accepts, as far as the document can say (code checks more). */
export function plausible(
  spec: Spec,
  schema: Schema | undefined,
  ids: Ids,
  name = "",
  depth = 0,
): fc.Arbitrary<unknown> {
  const s = resolve(spec, schema);
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const options = s.anyOf ?? s.oneOf;
  if (Array.isArray(options)) {
    const usable = options.filter((o: Schema) => resolve(spec, o).type !== "null");
    return fc.oneof(...usable.map((o: Schema) => plausible(spec, o, ids, name, depth + 1)));
  }
  if (depth > 6) return fc.constant(null);
  // A free-form object with an example (a segment filter): the example is the plausible one.
  if (s.example !== undefined && typeof s.example === "object" && !s.properties) return fc.constant(s.example);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  switch (type) {
    case "string":
      return plausibleString(s, name, ids);
    case "integer":
    case "number": {
      const min = s.minimum ?? 0;
      const max = Math.min(s.maximum ?? min + 100, min + 100);
      if (type === "number") return fc.double({ min, max, noNaN: true });
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case "boolean":
      return fc.boolean();
    case "array": {
      const known = idsFor(ids, name);
      const item = known?.length ? fc.constantFrom(...known) : plausible(spec, s.items, ids, name, depth + 1);
      const min = s.minItems ?? 0;
      return fc.array(item, { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 2, 2)) });
    }
    default: {
      if (!s.properties) {
        if (s.example !== undefined) return fc.constant(s.example);
        const value = plausible(spec, s.additionalProperties, ids, "", depth + 1);
        return fc.dictionary(fc.constantFrom("name", "card_last4", "points"), value, { maxKeys: 2 });
      }
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties as Record<string, Schema>)) {
        props[k] = plausible(spec, v, ids, k, depth + 1);
      }
      // The required properties and a few others: with every optional one, most bodies would
      // break a rule between fields (one recipient, text or template) before reaching deeper code.
      const required = (s.required ?? []) as string[];
      const optional = Object.keys(props).filter((k) => !required.includes(k));
      const some = fc
        .tuple(fc.record(props), fc.subarray(optional, { maxLength: Math.min(3, optional.length) }))
        .map(([all, picked]) =>
          Object.fromEntries(Object.entries(all).filter(([k]) => required.includes(k) || picked.includes(k))),
        );
      if (s.example !== undefined && typeof s.example === "object") return fc.oneof(fc.constant(s.example), some);
      return some;
    }
  }
}

/** JSON text spliced in where a value goes: what JSON.stringify of a JS value cannot make. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Nesting built as text: a generator or JSON.stringify would overflow before the app does. */
export function deep(depth: number, kind: "array" | "object"): RawJson {
  return new RawJson(
    kind === "array" ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );
}

export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return v;
  });
  if (text === undefined) return "";
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i) => raws[Number(i)] as string);
}

const NASTY_VALUES: unknown[] = [
  null,
  "",
  " ",
  0,
  -1,
  1.5,
  -0.0001,
  1e308,
  2 ** 53 + 2,
  true,
  [],
  {},
  [null],
  { "": null },
  "NaN",
  "Infinity",
  "null",
  "\u0000",
  "a\u0000b",
  "%00",
  "..%2F..%2F",
  "\u202e\u200b",
  "😀".repeat(30),
  "x".repeat(70),
  "x".repeat(5000),
  "2026-13-45T99:99:99Z",
  "0000-00-00",
  "{{constructor.constructor}}",
  "'; drop table customers; --",
  "__proto__",
  Array.from({ length: 10_001 }, () => "a"),
  Array.from({ length: 300 }, (_, i) => ({ n: i })),
  new RawJson('{"__proto__":{"polluted":true}}'),
  new RawJson('{"constructor":{"prototype":{"polluted":true}}}'),
  new RawJson('{"a":1,"a":2}'),
  new RawJson("1e999"),
  new RawJson("-0"),
  new RawJson("123456789012345678901234567890"),
  new RawJson('"\\ud800"'),
];

/** A value of the wrong kind, or of the right kind at an edge. */
export const nasty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_VALUES) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 100, max: 5000 }), fc.constantFrom("array" as const, "object" as const))
      .map(([d, k]) => deep(d, k)),
  },
);

type Path = (string | number)[];

/** Every place in a value that can be changed: the value itself, each property and item. */
export function places(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...places(v, [...at, i]));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(...places(v, [...at, k]));
  }
  return out;
}

/** A copy of a JSON value (RawJson inside one is lost: only plain values are cloned). */
function clone(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

// Values at the edge of what a field of each kind takes: most pass the schema and test the code.
const EDGE_STRINGS = [
  "a\u0000b",
  "%00",
  "\u202e\u200b",
  "😀".repeat(30),
  "ＡＢＣ１２３",
  "x".repeat(40),
  "x".repeat(65),
  "x".repeat(201),
  "x".repeat(2001),
  "NaN",
  "null",
  "0",
  "-1",
  "1e309",
  "2026-02-30T00:00:00Z",
  "2026-11-24T02:00:00+14:00",
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "24:00",
  "23:59",
  "02-29",
  "13-45",
  "{{",
  "{{#each}}",
  "{{> x}}",
  "__proto__",
  "constructor",
  "attributes.",
  "attributes.__proto__",
  "Etc/Unknown",
  "+",
  "0 0 31 2 *",
  "* * * * * * *",
];
const EDGES = {
  string: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("", " ", "\u0000") },
    { weight: 4, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 100 }) },
  ),
  number: fc.constantFrom(0, -1, 1, 0.5, -0.5, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, 5e-324, 59, 60, 61, 366, 10_001),
  boolean: fc.constantFrom<unknown>(true, false, "true", 1),
  array: fc.constantFrom<unknown>(
    [],
    [""],
    [null],
    [{}],
    Array.from({ length: 51 }, (_, i) => `a${i}`),
    Array.from({ length: 10_001 }, () => "a"),
  ),
  object: fc.constantFrom<unknown>(
    {},
    { "": "" },
    new RawJson('{"__proto__":{"x":1}}'),
    deep(3000, "object"),
    deep(3000, "array"),
  ),
};

type Edge = { [K in keyof typeof EDGES]: unknown };

function kindOf(v: unknown): keyof typeof EDGES {
  if (Array.isArray(v)) return "array";
  if (v === null || typeof v === "object") return "object";
  if (typeof v === "number" || typeof v === "boolean") return typeof v as "number" | "boolean";
  return "string";
}

export type Mutation =
  | { op: "set"; value: unknown }
  | { op: "edge"; edge: Edge }
  | { op: "drop" }
  | { op: "extra"; key: string; value: unknown };

/** One change at one place; a place that cannot take it (drop at the root) sets instead. */
export function mutate(value: unknown, at: Path, m: Mutation): unknown {
  const root = { v: clone(value) } as Record<string | number, any>;
  let parent: any = root;
  let key: string | number = "v";
  for (const p of at) {
    parent = parent[key];
    key = p;
  }
  if (m.op === "drop" && at.length > 0) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (m.op === "extra" && parent[key] && typeof parent[key] === "object" && !Array.isArray(parent[key])) {
    parent[key][m.key] = m.value;
  } else if (m.op === "edge") {
    parent[key] = m.edge[kindOf(parent[key])];
  } else {
    parent[key] = m.op === "set" ? m.value : {};
  }
  return root.v;
}

/** A change to make: an edge value of the same kind, any bad value, a field dropped or added. */
export function mutation(known: string[]): fc.Arbitrary<Mutation> {
  // An added field is one the schema knows elsewhere (a free-form `variables` beside a reply's
  // text) or one it does not.
  const keys = [...new Set([...known, "zzz_unknown", "tenant_id", "id", "__proto__", "", "😀"])];
  return fc.oneof(
    { weight: 6, arbitrary: fc.record(EDGES).map((edge) => ({ op: "edge" as const, edge })) },
    { weight: 3, arbitrary: nasty.map((value) => ({ op: "set" as const, value })) },
    { weight: 2, arbitrary: fc.constant({ op: "drop" as const }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...keys), nasty)
        .map(([key, value]) => ({ op: "extra" as const, key, value })),
    },
  );
}

/** Every property name a schema (or its examples) uses, at any depth. */
export function propertyNames(spec: Spec, schema: Schema | undefined, seen = new Set<Schema>()): string[] {
  const s = resolve(spec, schema);
  if (seen.has(s)) return [];
  seen.add(s);
  const names = Object.keys(s.properties ?? {});
  const nested = [
    ...Object.values((s.properties ?? {}) as Record<string, Schema>),
    ...((s.anyOf ?? s.oneOf ?? []) as Schema[]),
    ...(s.items ? [s.items] : []),
    ...(typeof s.additionalProperties === "object" ? [s.additionalProperties] : []),
  ];
  const fromExample =
    s.example && typeof s.example === "object"
      ? places(s.example).flatMap((p) => p.filter((k) => typeof k === "string"))
      : [];
  return [...new Set([...names, ...(fromExample as string[]), ...nested.flatMap((n) => propertyNames(spec, n, seen))])];
}

/**
 * A value nested inside itself along its first path to an object within, as a recursive
 * structure nests (a filter's { and: [{ and: [...] }] }), `depth` times; null if it holds none.
 */
function selfNested(v: unknown, depth: number): RawJson | null {
  const inner = places(v).find((p) => {
    const x = p.reduce((o: any, k) => o?.[k], v);
    return p.length > 0 && p.length <= 2 && x && typeof x === "object" && !Array.isArray(x);
  });
  if (!inner) return null;
  let open = "";
  let close = "";
  let cur: any = v;
  for (const k of inner) {
    open += Array.isArray(cur) ? "[" : `{${JSON.stringify(k)}:`;
    close = (Array.isArray(cur) ? "]" : "}") + close;
    cur = cur[k];
  }
  return new RawJson(`${open.repeat(depth)}${toJson(cur)}${close.repeat(depth)}`);
}

/**
 * A value with each place in turn set to what most often gets past a schema to a crash: an
 * empty or magic string, or nesting deeper than a recursive walk survives (where a string goes
 * too: a free-form filter's field is turned into text).
 */
export function boundaries(value: unknown): unknown[] {
  const out: unknown[] = [];
  for (const at of places(value)) {
    const v = at.reduce((x: any, k) => x?.[k], value);
    const nested = selfNested(v, 5000);
    const subs =
      typeof v === "string"
        ? ["", "__proto__", deep(5000, "array")]
        : Array.isArray(v)
          ? [deep(5000, "array"), ...(nested ? [nested] : [])]
          : v && typeof v === "object"
            ? [deep(5000, "object"), ...(nested ? [nested] : [])]
            : [];
    if (at.length > 0) for (const sub of subs) out.push(mutate(value, at, { op: "set", value: sub }));
  }
  return out;
}

export const MALFORMED_JSON = [
  "",
  " ",
  "{",
  "[",
  '{"a":',
  "nul",
  "{'a':1}",
  '{"a":1,}',
  "{}garbage",
  "\u0000",
  '""',
  "null",
  "[]",
  "0",
  "\ufeff{}",
  '{"a":"\\x"}',
  "NaN",
];

export const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=x",
  "text/csv",
  "application/xml",
  "APPLICATION/JSON",
  "application/json; charset=latin1",
  "application/jsonx",
  "",
];

/** Values for a query parameter or a path segment that no handler should trust. */
export const GARBAGE = [
  "",
  " ",
  "%00",
  "%",
  "%zz",
  "%E0%A4%A",
  "..%2F..%2Fv1%2Ftenant",
  "%2F",
  "null",
  "undefined",
  "NaN",
  "-1",
  "0",
  "1.5",
  "1e309",
  "99999999999999999999",
  "-99999999999999999999",
  "true",
  "[]",
  "%7B%7D",
  encodeURIComponent("😀 王芳"),
  encodeURIComponent("\u202e\u0000"),
  "x".repeat(70),
  "x".repeat(250),
  "eyJpZCI6IngifQ",
  "cus_00000000000000000000000000",
  encodeURIComponent("'; drop table customers; --"),
  "2026-13-45T99:99:99Z",
];
