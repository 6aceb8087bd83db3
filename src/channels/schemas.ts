import { z } from "@hono/zod-openapi";
import { PROVIDERS } from "../db/schema";
import { freeformRecord } from "../lib/validators";

const rate = z.number().int().min(1).max(10_000).nullable();

const capValue = z.number().int().min(1).max(10_000).optional();
const numberCaps = z.strictObject({ per_minute: capValue, per_hour: capValue, per_day: capValue }).nullable().openapi({
  description:
    "Messages one number may get through this channel per minute, hour and 24 hours; past them a message waits. null: the provider's published figures (Aliyun 50 a day, Tencent 10 a day; none for others); {} for none",
});

export const SimulatorConfigSchema = z.strictObject({
  seed: z.number().int().optional(),
  latency_ms: z.number().int().min(0).max(60_000).optional(),
  failure_rate: z.number().min(0).max(1).optional(),
  retryable_rate: z.number().min(0).max(1).optional(),
  throttle_rate: z.number().min(0).max(1).optional(),
  undelivered_rate: z.number().min(0).max(1).optional(),
  receipt_delay_ms: z.number().int().min(0).max(86_400_000).optional(),
  url: z.url().optional(),
  from: z.string().min(2).max(40).optional().openapi({
    description: "The service number it stands for; staff extensions (10101, 102) hang off it",
  }),
});

export const TwilioConfigSchema = z.strictObject({
  account_sid: z.string().regex(/^AC[0-9a-zA-Z]{10,40}$/, "must be a Twilio Account SID (AC...)"),
  from: z.string().min(2).max(40),
  base_url: z.url().optional(),
});

export const SmppConfigSchema = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  system_id: z.string().min(1).max(16),
  system_type: z.string().max(13).optional(),
  source_addr: z.string().min(1).max(21),
  source_ton: z.number().int().min(0).max(6).optional(),
  source_npi: z.number().int().min(0).max(18).optional(),
  /**
   * Concatenation references of 8 bits (IEI 0x00, every handset) or 16 bits (IEI 0x08): a busy
   * link with more than a few hundred long messages a minute to one handset range wants 16.
   */
  concat_ref_bits: z.union([z.literal(8), z.literal(16)]).optional(),
  /** submit_sm outstanding at once on the session (the SMSC's agreed window); 10 by default. */
  window: z.number().int().min(1).max(100).optional(),
  /** How long a bind or request waits for its response; 10 s by default. */
  response_timeout_ms: z.number().int().min(500).max(60_000).optional(),
  /** Quiet time before an enquire_link checks the SMSC is still there; 30 s by default. */
  enquire_link_ms: z.number().int().min(1000).max(300_000).optional(),
});

// A signature as each console shows it, without the 【】 the provider adds.
const signName = z
  .string()
  .trim()
  .min(2)
  .max(24)
  .refine((s) => !/[【】[\]]/.test(s), {
    message: "is the signature's name, without 【】",
    params: { reason: "sign_brackets" },
  });

// The account's limit on one value's length, where it has one (Tencent: 12 for a person's account).
const valueLimit = z.number().int().min(1).max(500).optional();

export const AliyunConfigSchema = z.strictObject({
  access_key_id: z.string().regex(/^[A-Za-z0-9]{8,64}$/, "must be an AccessKey ID (LTAI...)"),
  sign_name: signName,
  value_limit: valueLimit,
  endpoint: z.url().optional(),
});

export const TencentConfigSchema = z.strictObject({
  secret_id: z.string().regex(/^[A-Za-z0-9]{8,64}$/, "must be a SecretId (AKID...)"),
  sdk_app_id: z.string().regex(/^\d{6,12}$/, "must be the SMS application's SdkAppId (1400...)"),
  sign_name: signName,
  sign_id: z
    .string()
    .regex(/^\d{1,12}$/, "must be the signature's ID (签名管理, a number)")
    .optional(),
  value_limit: valueLimit,
  region: z
    .string()
    .regex(/^[a-z]{2}-[a-z]+$/)
    .optional(),
  endpoint: z.url().optional(),
});

export const CREDENTIALS: Record<string, z.ZodType> = {
  simulator: z.strictObject({ secret: z.string().min(16).max(200).optional() }),
  twilio: z.strictObject({ auth_token: z.string().min(16).max(200) }),
  smpp: z.strictObject({ password: z.string().min(1).max(9) }),
  aliyun: z.strictObject({ access_key_secret: z.string().min(16).max(200) }),
  tencent: z.strictObject({ secret_key: z.string().min(16).max(200) }),
};

export const CONFIGS: Record<string, z.ZodType> = {
  simulator: SimulatorConfigSchema,
  twilio: TwilioConfigSchema,
  smpp: SmppConfigSchema,
  aliyun: AliyunConfigSchema,
  tencent: TencentConfigSchema,
};

export const ChannelCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    provider: z.enum(PROVIDERS),
    config: freeformRecord.default({}).openapi({
      description:
        "simulator: {seed, latency_ms, failure_rate, retryable_rate, throttle_rate, undelivered_rate, receipt_delay_ms, url}; twilio: {account_sid, from, base_url}; smpp: {host, port, system_id, source_addr, ...}; aliyun: {access_key_id, sign_name, value_limit, endpoint}; tencent: {secret_id, sdk_app_id, sign_name, sign_id, value_limit, region, endpoint}",
    }),
    credentials: z.record(z.string(), z.string()).default({}).openapi({
      description:
        "Write-only, encrypted at rest: twilio {auth_token}, smpp {password}, simulator {secret}, aliyun {access_key_secret}, tencent {secret_key}",
    }),
    rate_per_second: rate.default(null).openapi({ description: "Segments per second; null for no limit" }),
    number_caps: numberCaps.default(null),
    counting: z.enum(["standard", "cn_carrier"]).optional().openapi({
      description: "How segments are counted; cn_carrier by default on Aliyun and Tencent, else standard",
    }),
    default: z.boolean().default(false),
  })
  .openapi("ChannelCreate");
export type ChannelCreate = z.infer<typeof ChannelCreateSchema>;

export const ChannelPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    config: freeformRecord,
    credentials: z.record(z.string(), z.string()),
    rate_per_second: rate,
    number_caps: numberCaps,
    counting: z.enum(["standard", "cn_carrier"]),
    default: z.literal(true),
  })
  .partial()
  .openapi("ChannelPatch");
export type ChannelPatch = z.infer<typeof ChannelPatchSchema>;

export const ChannelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    provider: z.string(),
    config: z.record(z.string(), z.unknown()),
    has_credentials: z.boolean(),
    rate_per_second: z.number().nullable(),
    number_caps: z
      .object({ per_minute: z.number().optional(), per_hour: z.number().optional(), per_day: z.number().optional() })
      .nullable(),
    effective_number_caps: z
      .object({ per_minute: z.number().optional(), per_hour: z.number().optional(), per_day: z.number().optional() })
      .nullable()
      .openapi({ description: "The caps kept: number_caps, else the provider's figures" }),
    counting: z.string(),
    signature: z
      .object({
        status: z.enum(["unknown", "approved", "pending", "rejected", "missing"]),
        detail: z.string().nullable(),
        checked_at: z.string().nullable(),
      })
      .optional()
      .openapi({
        description: "Aliyun and Tencent: the signature's review at the provider, when approvals were last checked",
      }),
    default: z.boolean(),
    webhooks: z.object({ status: z.string(), inbound: z.string() }),
    health: z
      .object({
        link: z.enum(["connecting", "up", "down"]).nullable(),
        since: z.string().nullable(),
        last_error: z.string().nullable(),
        last_error_at: z.string().nullable(),
        waiting: z.number().int(),
      })
      .openapi({
        description: "The link to the provider (null until the jobs report one) and the messages waiting for it",
      }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Channel");

export const RejectedWebhookListSchema = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(["status", "inbound"]),
        reason: z.string(),
        content_type: z.string().nullable(),
        body: z.string(),
        received_at: z.string(),
      }),
    ),
  })
  .openapi("RejectedWebhookList");
