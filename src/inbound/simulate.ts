// A reply as if a customer had texted it, through a simulator channel: for trying keywords,
// STOP and surveys without a phone. It is stored exactly as the simulator's signed webhook
// stores one, and the same pipeline handles it.
import { channelFor } from "../channels/service";
import type { Ctx } from "../context";
import { getCustomerRow } from "../customers/service";
import type { InboundSms } from "../delivery/provider";
import type { Deps } from "../deps";
import { ConflictError, ValidationError } from "../lib/errors";
import { storeInbound } from "./store";

export async function simulateInbound(
  ctx: Ctx,
  deps: Pick<Deps, "storeInbound" | "onInboundReceived">,
  input: { channel_id?: string | undefined; customer_id?: string | undefined; from?: string | undefined; text: string },
) {
  const channel = await channelFor(ctx, input.channel_id ?? null);
  if (!channel) throw ValidationError.field("channel_id", "the workspace has no default channel: name one");
  if (channel.provider !== "simulator") {
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
