import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Ctx } from "../context";
import { prepared } from "../db/prepared";
import { type TemplateRow, templates, templateVersions } from "../db/schema";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { iso } from "../lib/time";
import type { DefaultTemplate, TemplateKind, TemplateLibrary } from "./library";
import { compiled } from "./render";
import type { TemplateCreate, TemplatePatch } from "./schemas";

function view(row: TemplateRow, source: string) {
  return {
    id: row.id,
    key: row.key,
    locale: row.locale,
    kind: row.kind,
    title: row.title,
    description: row.description,
    variables: row.variables,
    version: row.currentVersion,
    source,
    copied_from: row.copiedFrom,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export function defaultView(t: DefaultTemplate) {
  return {
    key: t.key,
    locale: t.locale,
    kind: t.kind,
    title: t.title,
    description: t.description,
    variables: t.variables,
    version: t.version,
    source: t.source,
  };
}

/** Compiling is the check: syntax with line and column, unknown helpers, partials. */
function checkSource(source: string) {
  compiled(source);
}

async function row(ctx: Ctx, id: string): Promise<TemplateRow> {
  const r = await ctx.db.orm
    .select()
    .from(templates)
    .where(and(eq(templates.tenantId, ctx.tenantId), eq(templates.id, id), isNull(templates.archivedAt)))
    .get();
  if (!r) throw new NotFoundError("template", id);
  return r;
}

async function versionSource(ctx: Ctx, templateId: string, version: number): Promise<string> {
  const v = await ctx.db.orm
    .select({ source: templateVersions.source })
    .from(templateVersions)
    .where(
      and(
        eq(templateVersions.tenantId, ctx.tenantId),
        eq(templateVersions.templateId, templateId),
        eq(templateVersions.version, version),
      ),
    )
    .get();
  if (!v) throw new NotFoundError("template version", `${templateId}@${version}`);
  return v.source;
}

async function activeByKey(ctx: Ctx, key: string, locale: string) {
  // Asked for every message composed and every reply: a query built once.
  return prepared(ctx.db, "activeTemplate", (orm) =>
    orm
      .select()
      .from(templates)
      .where(
        and(
          eq(templates.tenantId, sql.placeholder("tenantId")),
          eq(templates.key, sql.placeholder("key")),
          eq(templates.locale, sql.placeholder("locale")),
          isNull(templates.archivedAt),
        ),
      )
      .prepare(),
  ).get({ tenantId: ctx.tenantId, key, locale });
}

export async function createTemplate(ctx: Ctx, library: TemplateLibrary, input: TemplateCreate) {
  let source = input.source;
  let kind = input.kind;
  let description = input.description;
  let title = input.title;
  let variables = input.variables;
  let copiedFrom: string | null = null;
  if (input.copy_of) {
    const from = library.get(input.copy_of.key, input.copy_of.locale ?? input.locale);
    if (!from) {
      throw ValidationError.field(
        "copy_of",
        `no shipped template ${input.copy_of.key} in ${input.copy_of.locale ?? input.locale} (GET /v1/templates/defaults lists them)`,
      );
    }
    source ??= from.source;
    kind ??= from.kind;
    description ??= from.description;
    title ??= from.title;
    variables ??= from.variables;
    copiedFrom = `${from.key}.${from.locale}@${from.version}`;
  }
  if (source === undefined)
    throw ValidationError.field("source", "is required unless copy_of names a shipped template");
  if (kind === undefined) throw ValidationError.field("kind", "is required unless copy_of names a shipped template");
  checkSource(source);
  if (await activeByKey(ctx, input.key, input.locale)) {
    throw new ConflictError(`A template ${input.key} in ${input.locale} already exists; PATCH it to add a version`, {
      field: "key",
      reason: "taken",
      value: input.key,
    });
  }
  const now = ctx.clock.now().getTime();
  const id = ctx.ids.next("tpl");
  await ctx.db.batch([
    ctx.db.orm.insert(templates).values({
      id,
      tenantId: ctx.tenantId,
      key: input.key,
      locale: input.locale,
      kind,
      title: title ?? "",
      description: description ?? "",
      variables: variables ?? {},
      currentVersion: 1,
      copiedFrom,
      createdAt: now,
      updatedAt: now,
    }),
    ctx.db.orm
      .insert(templateVersions)
      .values({ tenantId: ctx.tenantId, templateId: id, version: 1, source, createdAt: now }),
  ]);
  return getTemplate(ctx, id);
}

export async function getTemplate(ctx: Ctx, id: string) {
  const r = await row(ctx, id);
  return view(r, await versionSource(ctx, r.id, r.currentVersion));
}

export async function listTemplates(ctx: Ctx, filter: { key?: string; locale?: string }) {
  const rows = await ctx.db.orm
    .select()
    .from(templates)
    .where(
      and(
        eq(templates.tenantId, ctx.tenantId),
        isNull(templates.archivedAt),
        filter.key ? eq(templates.key, filter.key) : undefined,
        filter.locale ? eq(templates.locale, filter.locale) : undefined,
      ),
    )
    .orderBy(asc(templates.key), asc(templates.locale))
    .all();
  const data = [];
  for (const r of rows) data.push(view(r, await versionSource(ctx, r.id, r.currentVersion)));
  return { data };
}

/** Editing the text adds a version; the other fields change in place. */
export async function updateTemplate(ctx: Ctx, id: string, patch: TemplatePatch) {
  const r = await row(ctx, id);
  const now = ctx.clock.now().getTime();
  let version = r.currentVersion;
  const statements = [];
  if (patch.source !== undefined) {
    checkSource(patch.source);
    const current = await versionSource(ctx, r.id, r.currentVersion);
    if (patch.source !== current) {
      version = r.currentVersion + 1;
      statements.push(
        ctx.db.orm
          .insert(templateVersions)
          .values({ tenantId: ctx.tenantId, templateId: r.id, version, source: patch.source, createdAt: now }),
      );
    }
  }
  statements.push(
    ctx.db.orm
      .update(templates)
      .set({
        ...(patch.kind !== undefined && { kind: patch.kind }),
        ...(patch.title !== undefined && { title: patch.title }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.variables !== undefined && { variables: patch.variables }),
        currentVersion: version,
        updatedAt: now,
      })
      // The version guard makes two edits at once conflict instead of both claiming one number.
      .where(
        and(
          eq(templates.tenantId, ctx.tenantId),
          eq(templates.id, r.id),
          eq(templates.currentVersion, r.currentVersion),
        ),
      ),
  );
  await ctx.db.batch(statements);
  return getTemplate(ctx, id);
}

export async function listVersions(ctx: Ctx, id: string) {
  const r = await row(ctx, id);
  const versions = await ctx.db.orm
    .select()
    .from(templateVersions)
    .where(and(eq(templateVersions.tenantId, ctx.tenantId), eq(templateVersions.templateId, r.id)))
    .orderBy(asc(templateVersions.version))
    .all();
  return {
    data: versions.map((v) => ({
      version: v.version,
      source: v.source,
      current: v.version === r.currentVersion,
      created_at: iso(v.createdAt),
    })),
  };
}

export async function getVersion(ctx: Ctx, id: string, version: number) {
  const r = await row(ctx, id);
  const source = await versionSource(ctx, r.id, version);
  return { ...view(r, source), version };
}

/** Archives: the versions stay, so messages sent with them can still be explained. */
export async function archiveTemplate(ctx: Ctx, id: string) {
  const r = await row(ctx, id);
  await ctx.db.batch([
    ctx.db.orm
      .update(templates)
      .set({ archivedAt: ctx.clock.now().getTime() })
      .where(and(eq(templates.tenantId, ctx.tenantId), eq(templates.id, r.id))),
  ]);
}

export type ResolvedTemplate = {
  key: string;
  locale: string;
  kind: TemplateKind;
  source: string;
  /** "tpl_…@3" for a tenant template, "birthday_greeting.en@default-…" for a shipped one. */
  version: string;
  template_id: string | null;
  origin: "tenant" | "default";
  /** The sample values the template declares (by dotted path), for a preview without a customer. */
  samples: Record<string, unknown>;
};

/** Locale fallback: the customer's locale, then the workspace's default, then English. */
export function localeChain(customerLocale: string | null | undefined, tenantLocale: string): string[] {
  return [...new Set([customerLocale, tenantLocale, "en"].filter((l): l is string => !!l))];
}

/** Finds the text for a key: per locale in the chain, the tenant's own template before the shipped one. */
export async function resolveTemplate(
  ctx: Ctx,
  library: TemplateLibrary,
  key: string,
  chain: string[],
): Promise<ResolvedTemplate> {
  for (const locale of chain) {
    const own = await activeByKey(ctx, key, locale);
    if (own) {
      return {
        key,
        locale,
        kind: own.kind,
        source: await versionSource(ctx, own.id, own.currentVersion),
        version: `${own.id}@${own.currentVersion}`,
        template_id: own.id,
        origin: "tenant",
        samples: own.variables,
      };
    }
    const shipped = library.get(key, locale);
    if (shipped) {
      return {
        key,
        locale,
        kind: shipped.kind,
        source: shipped.source,
        version: `${key}.${locale}@${shipped.version}`,
        template_id: null,
        origin: "default",
        samples: shipped.variables,
      };
    }
  }
  throw new NotFoundError("template", `${key} (looked in ${chain.join(", ")})`);
}

/**
 * A template key as every place that takes one checks it: it must resolve in the chain now (the
 * text itself is resolved again at send time), else a 422 naming `field`.
 */
export async function checkTemplateKey(
  ctx: Ctx,
  library: TemplateLibrary,
  key: string,
  chain: string[],
  field: string,
): Promise<ResolvedTemplate> {
  try {
    return await resolveTemplate(ctx, library, key, chain);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    throw ValidationError.field(field, `no template '${key}' (GET /v1/templates/defaults lists the shipped ones)`);
  }
}

export async function templateVersionForPreview(ctx: Ctx, id: string, version?: number): Promise<ResolvedTemplate> {
  const r = await row(ctx, id);
  const v = version ?? r.currentVersion;
  return {
    key: r.key,
    locale: r.locale,
    kind: r.kind,
    source: await versionSource(ctx, r.id, v),
    version: `${r.id}@${v}`,
    template_id: r.id,
    origin: "tenant",
    samples: r.variables,
  };
}
