// Group commands from registered staff phones, for shops whose staff work from a phone.
//
//   101<nn> / "101 <nn> <numbers>"   add numbers to group nn
//   102<nn> / "102 <nn> <text>"      send the text to group nn
//   102     / "102 <text>"           send the text to every subscribed customer
//
// The command comes as the destination's extension (service number + 10101) or as a body
// prefix when the workspace has one long number. Replies give counts and a summary, never
// other people's numbers; invalid numbers are named by position. A broadcast is an ordinary
// broadcast campaign of marketing kind: consent, quiet hours, caps and cost apply at send time.

import { audienceCount, audienceSql, campaignRow, createCampaign, moveCampaign } from "../campaigns/service";
import { prepareComposer } from "../compose/compose";
import { resolveCompose } from "../compose/settings";
import type { Ctx } from "../context";
import { emptyRow } from "../customers/model";
import { customerChange, prepareEnvFor } from "../customers/service";
import { findExisting } from "../customers/store";
import type { Statement } from "../db/client";
import type { GroupRow } from "../db/schema";
import { membershipStatements, staticGroupByRef } from "../groups/service";
import { AppError } from "../lib/errors";
import { isCountry, normalizePhone } from "../lib/phone";
import { localDate, monthOf } from "../lib/time";
import { planFor } from "../tenants/store";
import { type StaffCommand, toAscii } from "./staff-parse";
import type { Handled, Incoming } from "./step";
import { audienceCounts, groupMembersAmong, staffWithPhones } from "./store";

const MAX_NUMBERS = 100;

/** The staff phones of a workspace, by E.164. */
export async function staffPhones(ctx: Ctx): Promise<Map<string, { id: string; name: string }>> {
  const rows = await staffWithPhones(ctx.db, ctx.tenantId);
  return new Map(rows.map((r) => [r.phone, { id: r.id, name: r.name }]));
}

type Lang = "zh" | "en";
const say = (lang: Lang, zh: string, en: string) => (lang === "zh" ? zh : en);

export async function handleStaffCommand(
  i: Incoming,
  staff: { id: string; name: string },
  cmd: StaffCommand,
): Promise<Handled> {
  const lang: Lang = i.rules.tenant.locale.startsWith("zh") ? "zh" : "en";
  const detail = { staff_id: staff.id, command: cmd.type, group: cmd.group };
  // A staff member gets the answer on their own phone, as a customer-less reply.
  const answer = (text: string, outcome: string, statements: Statement[] = [], extra = {}): Handled => ({
    step: "staff",
    outcome,
    statements,
    replies: [{ reply: { text }, to: staff.id }],
    detail: { ...detail, ...extra },
  });
  let group: GroupRow | null = null;
  if (cmd.group !== null) {
    group = await staticOrSegment(i.rules.ctx, cmd.group);
    if (!group) {
      return answer(
        say(lang, `没有编号为 ${cmd.group} 的群组。`, `No group ${cmd.group}.`) +
          (cmd.type === "broadcast"
            ? say(lang, "发给全部客户请用：102 内容", " To text everyone, send: 102 <text>")
            : ""),
        "failure",
      );
    }
  }
  try {
    return cmd.type === "add"
      ? await addNumbers(i, staff, group, cmd.payload, lang, answer)
      : await broadcast(i, staff, group, cmd.payload, lang, answer);
  } catch (e) {
    if (e instanceof AppError)
      return answer(say(lang, `指令未执行：${e.message}`, `Not done: ${e.message}`), "failure");
    throw e;
  }
}

async function staticOrSegment(ctx: Ctx, code: string): Promise<GroupRow | null> {
  const g = await ctx.db.orm.query.groups.findFirst({
    where: (x, { and, eq }) => and(eq(x.tenantId, ctx.tenantId), eq(x.code, code)),
  });
  return g ?? null;
}

type Answer = (text: string, outcome: string, statements?: Statement[], extra?: Record<string, unknown>) => Handled;

async function addNumbers(
  i: Incoming,
  staff: { id: string; name: string },
  group: GroupRow | null,
  payload: string,
  lang: Lang,
  answer: Answer,
): Promise<Handled> {
  if (!group) return answer(say(lang, "请带上群组编号：101 01 号码…", "Name the group: 101 01 <numbers>"), "failure");
  const g = await staticGroupByRef(i.rules.ctx, group.id);
  const tokens = payload.split(/[\s,，;；、]+/u).filter(Boolean);
  if (tokens.length === 0) return answer(say(lang, "没有号码。", "No numbers given."), "failure");
  if (tokens.length > MAX_NUMBERS)
    return answer(
      say(lang, `一次最多 ${MAX_NUMBERS} 个号码。`, `At most ${MAX_NUMBERS} numbers at a time.`),
      "failure",
    );
  const country = isCountry(i.rules.tenant.defaultCountry) ? i.rules.tenant.defaultCountry : "CN";
  const valid: string[] = [];
  const invalid: number[] = [];
  tokens.forEach((t, k) => {
    const p = normalizePhone(toAscii(t), country);
    if (p.ok) valid.push(p.e164);
    else invalid.push(k + 1);
  });
  const phones = [...new Set(valid)];
  const ctx = i.rules.ctx;
  const existing = await findExisting(ctx, [], phones);
  const byPhone = new Map(existing.map((c) => [c.phone as string, c]));
  const env = await prepareEnvFor(ctx, "staff", phones);
  const statements: Statement[] = [];
  const ids: string[] = [];
  let created = 0;
  let optedOut = 0;
  for (const phone of phones) {
    const known = byPhone.get(phone);
    if (known) {
      ids.push(known.id);
      if (known.consentState === "unsubscribed") optedOut++;
      continue;
    }
    // A new number: consent as the workspace says, unless an opt-out is on record for it.
    const consent = {
      state: i.rules.settings.staff_add_consent,
      evidence: `SMS command from staff ${staff.id}: ${i.row.body.slice(0, 200)}`,
    };
    const change = await customerChange(
      ctx,
      env,
      { phone, consent },
      emptyRow(ctx.ids.next("cus"), env, "staff"),
      true,
    );
    if (change.row.consentState === "unsubscribed") optedOut++;
    statements.push(...change.statements);
    ids.push(change.row.id);
    created++;
  }
  const already = new Set((await groupMembersAmong(ctx.db, ctx.tenantId, g.id, ids)).map((r) => r.customer_id));
  statements.push(...membershipStatements(ctx, g, ids, "join"));
  const added = ids.filter((id) => !already.has(id)).length;
  const parts = [
    say(lang, `群组 ${g.code}（${g.name}）：新增 ${added} 个`, `Group ${g.code} (${g.name}): ${added} added`),
    already.size > 0 ? say(lang, `已在群组 ${already.size} 个`, `${already.size} already in`) : "",
    optedOut > 0 ? say(lang, `${optedOut} 个已退订（不会收到营销短信）`, `${optedOut} opted out (no marketing)`) : "",
    invalid.length > 0 ? say(lang, `无效号码：第 ${invalid.join("、")} 个`, `invalid: #${invalid.join(", #")}`) : "",
  ].filter(Boolean);
  return answer(
    `${parts.join(say(lang, "，", ", "))}${say(lang, "。", ".")}`,
    invalid.length > 0 && added === 0 ? "failure" : "success",
    statements,
    {
      added,
      already: already.size,
      created,
      opted_out: optedOut,
      invalid,
    },
  );
}

async function broadcast(
  i: Incoming,
  staff: { id: string; name: string },
  group: GroupRow | null,
  text: string,
  lang: Lang,
  answer: Answer,
): Promise<Handled> {
  if (!text) return answer(say(lang, "没有短信内容。", "No text to send."), "failure");
  const ctx = i.rules.ctx;
  const audience = group ? { groups: [group.id] } : { all: true };
  const cond = await audienceSql(ctx, audience);
  const counts = await audienceCounts(ctx.db, ctx.tenantId, cond);
  const total = counts?.total ?? 0;
  const subscribed = counts?.subscribed ?? 0;
  // One campaign per command, named by the inbound id: a retried message finds it, not a second one.
  const id = `cmp_${i.row.id.slice(4)}`;
  const exists = await campaignRow(ctx, id).catch(() => null);
  if (!exists) {
    await createCampaign(
      { ...ctx, library: i.deps.library },
      {
        name: `SMS broadcast by ${staff.name} to ${group ? `group ${group.code}` : "everyone"}`,
        kind: "broadcast",
        template: "staff_broadcast",
        variables: { text },
        message_kind: "marketing",
        audience,
        channel_id: i.row.channelId,
      },
      { id },
    );
    // Staff cannot answer the fan-out guard by SMS; the command itself is the confirmation.
    await moveCampaign(ctx, id, "schedule", { confirm_audience: await audienceCount(ctx, audience) });
  }
  const tenant = i.rules.tenant;
  const composed = prepareComposer({
    settings: resolveCompose(tenant.compose),
    signature: tenant.brandSignature,
    kind: "marketing",
    locale: tenant.locale,
    templateSource: text,
  })(text);
  const { plan } = await planFor(ctx.db, ctx.tenantId, monthOf(localDate(ctx.clock.now(), tenant.timeZone)));
  const segments = composed.segments * subscribed;
  const cost = plan.type === "pay_per_segment" ? Math.round(segments * plan.price_per_segment * 100) / 100 : null;
  const summary = text.length > 20 ? `${text.slice(0, 20)}…` : text;
  const who = group
    ? say(lang, `群组 ${group.code}（${group.name}）`, `group ${group.code} (${group.name})`)
    : say(lang, "全部客户", "everyone");
  const left = total - subscribed;
  const reply = [
    say(lang, `已安排发送给${who}的 ${subscribed} 位订阅客户`, `Sending to ${subscribed} subscribed in ${who}`),
    left > 0 ? say(lang, `${left} 位未订阅不发送`, `${left} not subscribed left out`) : "",
    say(
      lang,
      `每条 ${composed.segments} 条计费短信${cost !== null ? `，约 ${cost} ${plan.currency}` : ""}`,
      `${composed.segments} segment(s) each${cost !== null ? `, about ${cost} ${plan.currency}` : ""}`,
    ),
    say(lang, `内容：“${summary}”`, `text: "${summary}"`),
  ].filter(Boolean);
  return answer(`${reply.join(say(lang, "；", "; "))}${say(lang, "。", ".")}`, "success", [], {
    campaign_id: id,
    recipients: subscribed,
    left_out: left,
    segments_each: composed.segments,
  });
}
