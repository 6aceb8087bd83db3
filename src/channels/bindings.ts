// Template bindings: on a channel of a provider that sends only templates it approved (Aliyun,
// Tencent), which provider template stands for a Tidings template in one language, and what
// each of its parameters is. The one writer of template_bindings.
import { type AnyColumn, and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { Ctx } from "../context";
import { type ChannelRow, channels, type TemplateBindingRow, templateBindings } from "../db/schema";
import type { Approval } from "../delivery/provider";
import type { ProviderRegistry } from "../delivery/registry";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { iso } from "../lib/time";
import { TemplateError } from "../templates/engine";
import type { TemplateLibrary } from "../templates/library";
import { compiled } from "../templates/render";
import { resolveTemplate } from "../templates/service";
import { TEMPLATED } from "./kinds";
import { lintBinding } from "./provider-text";

const REFUSED =
  /^(AuthFailure|UnauthorizedOperation|InvalidAccessKeyId|Forbidden|SignatureDoesNotMatch|IncompleteSignature|isp\.RAM_PERMISSION_DENY)/;

export { TEMPLATED } from "./kinds";

export type BindingInput = { provider_template: string; params: { name: string; value: string }[] };

function view(r: TemplateBindingRow, provider: string, kind: string | undefined) {
  return {
    channel_id: r.channelId,
    template_key: r.templateKey,
    locale: r.locale,
    provider_template: r.providerTemplate,
    params: r.params,
    approval: {
      status: r.approval,
      detail: r.approvalDetail,
      checked_at: r.approvalCheckedAt === null ? null : iso(r.approvalCheckedAt),
    },
    provider_text: r.providerText,
    provider_kind: r.providerKind,
    lint: lintBinding(provider, r, kind),
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

async function templatedChannel(ctx: Ctx, channelId: string): Promise<ChannelRow> {
  const ch = await ctx.db.orm
    .select()
    .from(channels)
    .where(and(eq(channels.tenantId, ctx.tenantId), eq(channels.id, channelId)))
    .get();
  if (!ch || ch.archivedAt !== null) throw new NotFoundError("channel", channelId);
  if (!TEMPLATED.has(ch.provider))
    throw new ConflictError(
      `A ${ch.provider} channel sends any text; only Aliyun and Tencent channels bind templates`,
      {
        reason: "not_templated",
        provider: ch.provider,
      },
    );
  return ch;
}

/** Each parameter's value is a Handlebars expression; one that does not compile is refused here. */
function checkParams(params: BindingInput["params"]) {
  const names = new Set<string>();
  for (const [i, p] of params.entries()) {
    if (names.has(p.name)) throw ValidationError.field(`params.${i}.name`, `'${p.name}' is given twice`);
    names.add(p.name);
    try {
      compiled(p.value);
    } catch (e) {
      if (e instanceof TemplateError) throw ValidationError.field(`params.${i}.value`, e.message, "template_syntax");
      throw e;
    }
  }
}

export async function putBinding(
  ctx: Ctx & { library: TemplateLibrary },
  channelId: string,
  key: string,
  locale: string,
  input: BindingInput,
) {
  const ch = await templatedChannel(ctx, channelId);
  // The template must exist in this language (the workspace's own, or a shipped one).
  const t = await resolveTemplate(ctx, ctx.library, key, [locale]).catch(() => null);
  if (!t || t.locale !== locale) throw new NotFoundError(`template ${key} in`, locale);
  checkParams(input.params);
  const now = ctx.clock.now().getTime();
  const values = {
    tenantId: ctx.tenantId,
    channelId,
    templateKey: key,
    locale,
    providerTemplate: input.provider_template,
    params: input.params,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.batch([
    ctx.db.orm
      .insert(templateBindings)
      .values(values)
      .onConflictDoUpdate({
        target: [
          templateBindings.tenantId,
          templateBindings.channelId,
          templateBindings.templateKey,
          templateBindings.locale,
        ],
        // Another provider template is another review: unknown until asked.
        set: {
          providerTemplate: values.providerTemplate,
          params: values.params,
          approval: sameCode(templateBindings.approval, values.providerTemplate, sql`'unknown'`),
          approvalDetail: sameCode(templateBindings.approvalDetail, values.providerTemplate, sql`null`),
          approvalCheckedAt: sameCode(templateBindings.approvalCheckedAt, values.providerTemplate, sql`null`),
          providerText: sameCode(templateBindings.providerText, values.providerTemplate, sql`null`),
          providerKind: sameCode(templateBindings.providerKind, values.providerTemplate, sql`null`),
          updatedAt: now,
        },
      }),
  ]);
  return view((await bindingFor(ctx, channelId, key, locale)) as TemplateBindingRow, ch.provider, t.kind);
}

/** In an upsert: the stored value while the provider template stays the same, else `otherwise`. */
function sameCode(column: AnyColumn, code: string, otherwise: SQL) {
  return sql`case when ${templateBindings.providerTemplate} = ${code} then ${column} else ${otherwise} end`;
}

/** The channel's bindings, in this workspace; with a key and locale, the one binding. */
function onChannel(ctx: Ctx, channelId: string, one?: { key: string; locale: string }) {
  return and(
    eq(templateBindings.tenantId, ctx.tenantId),
    eq(templateBindings.channelId, channelId),
    ...(one ? [eq(templateBindings.templateKey, one.key), eq(templateBindings.locale, one.locale)] : []),
  );
}

export async function bindingFor(ctx: Ctx, channelId: string, key: string, locale: string) {
  return ctx.db.orm
    .select()
    .from(templateBindings)
    .where(onChannel(ctx, channelId, { key, locale }))
    .get();
}

export async function listBindings(ctx: Ctx & { library: TemplateLibrary }, channelId: string) {
  const ch = await templatedChannel(ctx, channelId);
  const rows = await ctx.db.orm
    .select()
    .from(templateBindings)
    .where(onChannel(ctx, channelId))
    .orderBy(asc(templateBindings.templateKey), asc(templateBindings.locale))
    .all();
  const data = [];
  for (const r of rows) {
    // Its kind says whether the provider wants a way to refuse in it (a template since removed has none).
    const t = await resolveTemplate(ctx, ctx.library, r.templateKey, [r.locale]).catch(() => null);
    data.push(view(r, ch.provider, t?.kind));
  }
  return { data };
}

export async function deleteBinding(ctx: Ctx, channelId: string, key: string, locale: string) {
  await templatedChannel(ctx, channelId);
  if (!(await bindingFor(ctx, channelId, key, locale))) throw new NotFoundError(`binding of ${key} in`, locale);
  await ctx.db.batch([ctx.db.orm.delete(templateBindings).where(onChannel(ctx, channelId, { key, locale }))]);
}

/**
 * Asks the provider for the review state of the channel's signature and of every template bound
 * on it, with each template's approved text, and records them (a refusal to say, or no answer,
 * is a 409 naming the provider's words: nothing is recorded).
 */
export async function checkApprovals(
  ctx: Ctx & { providers: ProviderRegistry; library: TemplateLibrary },
  channelId: string,
) {
  const ch = await templatedChannel(ctx, channelId);
  const rows = await ctx.db.orm.select().from(templateBindings).where(onChannel(ctx, channelId)).all();
  // Asked now, whatever the answer: the job asks the others first, and this one not again too soon.
  await ctx.db.batch([
    ctx.db.orm
      .update(channels)
      .set({ approvalsAskedAt: ctx.clock.now().getTime() })
      .where(and(eq(channels.tenantId, ctx.tenantId), eq(channels.id, channelId))),
  ]);
  let states: Approval[] = [];
  // undefined: the provider did not say (a key that may read templates but not signatures).
  let sign: Approval | null | undefined;
  try {
    const provider = await ctx.providers.forChannel(ch);
    if (!provider.approvals) throw new Error("this provider cannot say");
    if (rows.length > 0) states = await provider.approvals([...new Set(rows.map((r) => r.providerTemplate))]);
    sign = provider.signature ? await provider.signature().catch(() => undefined) : null;
  } catch (e) {
    const message = (e as Error).message;
    // A wrong key, or one without the right to read templates: asking again will not help.
    const refused = REFUSED.test(message);
    throw new ConflictError(`The provider did not say whether its templates are approved: ${message}`, {
      reason: refused ? "provider_refused" : "provider_unreachable",
    });
  }
  const byCode = new Map(states.map((a) => [a.code, a]));
  const now = ctx.clock.now().getTime();
  await ctx.db.batch([
    ...rows.map((r) => {
      // A code the provider did not say (a list read only in part) keeps what it had.
      const a = byCode.get(r.providerTemplate);
      const set = a
        ? {
            approval: a.status,
            approvalDetail: a.detail ?? null,
            approvalCheckedAt: now,
            ...(a.text !== undefined ? { providerText: a.text } : {}),
            ...(a.kind !== undefined ? { providerKind: a.kind } : {}),
          }
        : { approvalCheckedAt: now };
      return ctx.db.orm
        .update(templateBindings)
        .set(set)
        .where(
          and(
            onChannel(ctx, channelId, { key: r.templateKey, locale: r.locale }),
            // Re-bound to another template while the provider was asked: that one is not reviewed.
            eq(templateBindings.providerTemplate, r.providerTemplate),
          ),
        );
    }),
    ...(sign === undefined
      ? []
      : [
          ctx.db.orm
            .update(channels)
            .set(
              sign
                ? { signatureApproval: sign.status, signatureDetail: sign.detail ?? null, signatureCheckedAt: now }
                : // Not askable (Tencent without the signature's id): unknown, as of now.
                  { signatureApproval: "unknown", signatureDetail: null, signatureCheckedAt: now },
            )
            .where(and(eq(channels.tenantId, ctx.tenantId), eq(channels.id, channelId))),
        ]),
  ]);
  return listBindings(ctx, channelId);
}

/**
 * A campaign is scheduled on a channel of such a provider only when its template is bound there
 * and every binding of it was found approved (a 409 naming what is not).
 */
export async function assertApproved(ctx: Ctx, channelId: string | null, templateKey: string) {
  // The campaign's own channel, else the workspace's default (the one its messages will take).
  const channel = await ctx.db.orm
    .select()
    .from(channels)
    .where(
      and(
        eq(channels.tenantId, ctx.tenantId),
        channelId === null ? eq(channels.isDefault, true) : eq(channels.id, channelId),
      ),
    )
    .get();
  if (!channel || channel.archivedAt !== null || !TEMPLATED.has(channel.provider)) return;
  const rows = await ctx.db.orm
    .select()
    .from(templateBindings)
    .where(and(onChannel(ctx, channel.id), eq(templateBindings.templateKey, templateKey)))
    .all();
  const waiting = rows.filter((r) => r.approval !== "approved");
  if (rows.length === 0 || waiting.length > 0) {
    const what =
      rows.length === 0
        ? "is not bound to a provider template"
        : `is ${waiting.map((r) => `${r.approval} in ${r.locale}`).join(", ")}`;
    throw new ConflictError(
      `The template ${templateKey} ${what} on the channel ${channel.name}: check its approval first`,
      {
        reason: "template_not_approved",
        template: templateKey,
        channel: channel.name,
      },
    );
  }
}
