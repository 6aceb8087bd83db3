// A reply as if a customer had texted it, through a simulator channel: for trying keywords,
// STOP and surveys without a phone. It is stored exactly as the simulator's signed webhook
// stores one, and the same pipeline handles it, consent changes included: so it is only for a
// workspace still sending through the simulator (its default channel), never in one live on a
// real provider, where a made-up START would re-subscribe a customer who texted STOP. A staff
// phone is refused: its texts are commands (102: a broadcast to a group).

import type { CountryCode } from "libphonenumber-js";
import { channelFor } from "../channels/service";
import type { Ctx } from "../context";
import { getCustomerRow } from "../customers/service";
import type { InboundSms } from "../delivery/provider";
import type { Deps } from "../deps";
import { ConflictError, ValidationError } from "../lib/errors";
import { isCountry, normalizePhone } from "../lib/phone";
import { staffWithPhone } from "../staff/service";
import { getTenantRow } from "../tenants/store";
import { storeInbound } from "./store";

export async function simulateInbound(
  ctx: Ctx,
  deps: Pick<Deps, "storeInbound" | "onInboundReceived">,
  input: { channel_id?: string | undefined; customer_id?: string | undefined; from?: string | undefined; text: string },
) {
  const fallback = await channelFor(ctx, null);
  if (fallback?.provider !== "simulator") {
    throw new ConflictError(
      "Simulated replies are for a workspace that sends through the simulator; this one's default channel is a real provider",
      { field: "channel_id" },
    );
  }
  const channel = input.channel_id ? await channelFor(ctx, input.channel_id) : fallback;
  if (channel?.provider !== "simulator") {
    throw new ConflictError("Only a simulator channel takes simulated replies; real ones come from the phone network", {
      field: "channel_id",
    });
  }
  let from = input.from;
  if (input.customer_id) {
    const customer = await getCustomerRow(ctx, input.customer_id);
    if (!customer.phone) throw ValidationError.field("customer_id", "the customer has no phone number");
    from = customer.phone;
  }
  if (!from) throw ValidationError.field("from", "give the customer_id or the phone number it comes from");
  const country = (await getTenantRow(ctx.db, ctx.tenantId)).defaultCountry;
  const phone = normalizePhone(from, (isCountry(country) ? country : "CN") as CountryCode);
  if (phone.ok && (await staffWithPhone(ctx, phone.e164))) {
    throw new ConflictError("That number is a staff member's: their texts are commands, not replies", {
      field: "from",
    });
  }
  const sms: InboundSms = {
    providerMessageId: `console-${ctx.ids.next("sim")}`,
    from,
    to: String((channel.config as { from?: unknown }).from ?? ""),
    text: input.text,
  };
  const raw = () => JSON.stringify({ id: sms.providerMessageId, from: sms.from, to: sms.to, text: sms.text });
  const stored = await (deps.storeInbound
    ? deps.storeInbound(channel, [sms], raw)
    : storeInbound(ctx, channel, [sms], raw));
  if (stored > 0) deps.onInboundReceived?.();
  return { stored, from, channel_id: channel.id };
}
