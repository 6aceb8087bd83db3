// The relational model. Every table carries tenant_id (the tenants table is keyed by it) and every
// query filters on it. Instants are integer milliseconds since the epoch, UTC.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ComposeSettings } from "../compose/settings";
import type { InboundSettings } from "../inbound/settings";
import type { Expectation, KeywordAction, KeywordArgument, KeywordMatch } from "../keywords/types";
import type { DeliveryModelSettings } from "../shipments/settings";

export type QuietHours = { start: string; end: string };

export type Plan =
  | { type: "pay_per_segment"; currency: string; price_per_segment: number }
  | {
      type: "package";
      currency: string;
      monthly_fee: number;
      allowance_segments: number;
      overage_price_per_segment: number;
    };

export type AttributeType = "string" | "number" | "boolean" | "date";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  defaultCountry: text("default_country").notNull(),
  timeZone: text("time_zone").notNull(),
  locale: text("locale").notNull(),
  brandSignature: text("brand_signature").notNull().default(""),
  quietHours: text("quiet_hours", { mode: "json" }).$type<QuietHours | null>(),
  tiers: text("tiers", { mode: "json" }).$type<string[]>().notNull(),
  /** Composition settings (src/compose/settings.ts); fields left out take their defaults. */
  compose: text("compose", { mode: "json" }).$type<Partial<ComposeSettings>>().notNull().default({}),
  /** Proactive segments allowed per calendar month (replies are free); null = no cap. */
  monthlySegmentCap: integer("monthly_segment_cap"),
  /** At most `messages` marketing messages per customer in any `days` days; null = no cap. */
  frequencyCap: text("frequency_cap", { mode: "json" }).$type<{ messages: number; days: number } | null>(),
  /**
   * A share of customers who get no marketing at all, chosen again each calendar year, and since
   * when (its reports start there); null = none.
   */
  controlGroup: text("control_group", { mode: "json" }).$type<ControlGroup | null>(),
  /** Two-way settings: extra compliance words, help text, inbox categories, SLAs (inbound/settings.ts). */
  inbound: text("inbound", { mode: "json" }).$type<Partial<InboundSettings>>().notNull().default({}),
  /** The lead-time model's settings: minimum samples, window, activation proxy bound (shipments/settings.ts). */
  deliveryModel: text("delivery_model", { mode: "json" }).$type<Partial<DeliveryModelSettings>>().notNull().default({}),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

// Plan history: the plan in force for a month is the row with the latest effective_month <= it.
// A change requested during a month is written for the 1st of the next month.
export const tenantPlans = sqliteTable(
  "tenant_plans",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    effectiveMonth: text("effective_month").notNull(), // YYYY-MM
    plan: text("plan", { mode: "json" }).$type<Plan>().notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.effectiveMonth] })],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    scope: text("scope", { enum: ["admin", "write", "read"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.hash), index("api_keys_tenant").on(t.tenantId)],
);

export const staff = sqliteTable(
  "staff",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    phone: text("phone"),
    email: text("email"),
    /** What the member may do in the web console: admin, operator or viewer. */
    role: text("role", { enum: ["admin", "operator", "viewer"] })
      .notNull()
      .default("viewer"),
    /** scrypt hash (lib/password.ts); null until a password is set, and then no console login. */
    passwordHash: text("password_hash"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("staff_tenant_phone").on(t.tenantId, t.phone)],
);

// Web console sign-ins. The cookie holds the token; only its SHA-256 is stored. A session made
// with an API key dies with the key; one made by a staff login dies with the member, and with
// the password it was opened with. Its powers are read from the key or member at each request.
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    hash: text("hash").notNull(),
    keyId: text("key_id").references(() => apiKeys.id, { onDelete: "cascade" }),
    staffId: text("staff_id").references(() => staff.id, { onDelete: "cascade" }),
    /** The scope at sign-in, for the record: each request reads the key's or the member's own. */
    scope: text("scope", { enum: ["admin", "write", "read"] }).notNull(),
    /** A digest of the member's password hash at sign-in: a new or removed password ends the session. */
    credential: text("credential"),
    /** Every console form carries it back: a page of another site cannot post as this session. */
    csrf: text("csrf").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("console_sessions_hash").on(t.hash),
    index("console_sessions_tenant").on(t.tenantId),
    // Revoking a key or removing a member deletes their sessions through these.
    index("console_sessions_key").on(t.keyId),
    index("console_sessions_staff").on(t.staffId),
  ],
);

// Failed staff sign-ins, kept a day: too many for one member (or the whole workspace) within
// a window lock password sign-in for a while, before any password hashing is done.
export const consoleLoginFailures = sqliteTable(
  "console_login_failures",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [
    index("console_login_failures_email").on(t.tenantId, t.email, t.at),
    index("console_login_failures_at").on(t.tenantId, t.at),
  ],
);

export const attributeDefinitions = sqliteTable(
  "attribute_definitions",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    type: text("type", { enum: ["string", "number", "boolean", "date"] })
      .$type<AttributeType>()
      .notNull(),
    /** The name people see in the console ("Membership ends"); null: the console words the key. */
    label: text("label"),
    description: text("description"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);

export const customers = sqliteTable(
  "customers",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    name: text("name"),
    phone: text("phone"),
    locale: text("locale").notNull(),
    timeZone: text("time_zone").notNull(),
    birthdayYear: integer("birthday_year"),
    birthdayMonth: integer("birthday_month"),
    birthdayDay: integer("birthday_day"),
    birthdayLunar: integer("birthday_lunar", { mode: "boolean" }).notNull().default(false),
    tier: text("tier"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    attributes: text("attributes", { mode: "json" })
      .$type<Record<string, string | number | boolean>>()
      .notNull()
      .default(sql`'{}'`),
    ownerId: text("owner_id"),
    consentState: text("consent_state", {
      enum: ["subscribed", "unsubscribed", "never_asked"],
    }).notNull(),
    consentSource: text("consent_source"),
    consentAt: integer("consent_at"),
    source: text("source").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    // Set when the profile is deleted; personal columns are cleared at the same time.
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    uniqueIndex("customers_tenant_phone").on(t.tenantId, t.phone),
    uniqueIndex("customers_tenant_external").on(t.tenantId, t.externalId),
    // Date-relative campaigns find the day's birthdays by index, not by scanning.
    index("customers_birthday").on(t.tenantId, t.birthdayMonth, t.birthdayDay),
    // The lists' orders (by joining, newest, by name) among the live profiles: a page reads its
    // 50 rows in order, and their count reads only the index. Without them a page of a 100k
    // workspace sorted every member (230 ms) and its total read every row (280 ms). Partial, so
    // that a lookup by phone or external id, which also says "deleted_at is null", still
    // prefers its unique index: led by (tenant_id, deleted_at), these won the tie and an import
    // read every live profile per batch (4,500 rows/s instead of 47,000). deleted_at trails
    // only to make the count covering.
    index("customers_tenant_order").on(t.tenantId, t.id, t.deletedAt).where(sql`deleted_at is null`),
    index("customers_tenant_name").on(t.tenantId, sql`${t.name} is null`, t.name, t.id).where(sql`deleted_at is null`),
  ],
);

// Every date-valued attribute of every customer (YYYY-MM-DD), kept beside the JSON so that a
// campaign anchored on "membership_expiry" or "last_visit" finds the day's customers by index.
// One key order serves both lookups (a month-day every year; an exact date, whose month-day is
// part of it), and the migration makes it WITHOUT ROWID: one b-tree per row, which an import of
// a spreadsheet with a date column feels.
export const customerDates = sqliteTable(
  "customer_dates",
  {
    tenantId: text("tenant_id").notNull(),
    customerId: text("customer_id").notNull(),
    key: text("key").notNull(),
    /** MM-DD, for yearly anchors (anniversaries). */
    monthDay: text("month_day").notNull(),
    value: text("value").notNull(),
  },
  // No index by customer: a customer's rows are found from its stored attributes, by primary
  // key (storedDatesDeleted), and each index here is paid for by every imported row.
  (t) => [primaryKey({ columns: [t.tenantId, t.key, t.monthDay, t.value, t.customerId] })],
);

// Customer events (card.activated, visit, purchase, or a tenant's own types). They trigger
// campaigns, cancel pending ones, move attributes such as last_visit, and show on the timeline.
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    customerId: text("customer_id").notNull(),
    type: text("type").notNull(),
    properties: text("properties", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    occurredAt: integer("occurred_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    /** The sender's own id for the event: a retried POST records it once. */
    externalId: text("external_id"),
  },
  (t) => [
    uniqueIndex("events_external").on(t.tenantId, t.externalId),
    index("events_customer").on(t.tenantId, t.customerId, t.type, t.occurredAt),
  ],
);

// Every time zone a tenant's customers use; lets a segment turn "local today" into SQL
// without scanning all customers for their zones.
export const tenantTimeZones = sqliteTable(
  "tenant_time_zones",
  {
    tenantId: text("tenant_id").notNull(),
    timeZone: text("time_zone").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.timeZone] })],
);

// Proactive segments sent per workspace and month (the workspace's own calendar month): the
// cap and the package allowance are checked against this before every send, and summing the
// month's messages there instead would read millions of rows per batch for a bank.
export const usageMonths = sqliteTable(
  "usage_months",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    month: text("month").notNull(),
    segments: integer("segments").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.month] })],
);

// The consent ledger. Rows are never deleted with the profile: proof of opt-out must outlive it.
export const consentEvents = sqliteTable(
  "consent_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    customerId: text("customer_id").notNull(),
    phone: text("phone"),
    state: text("state", { enum: ["subscribed", "unsubscribed", "never_asked"] }).notNull(),
    source: text("source", { enum: ["import", "api", "keyword", "staff", "console", "provider"] }).notNull(),
    evidence: text("evidence"),
    at: integer("at").notNull(),
  },
  (t) => [
    index("consent_events_customer").on(t.tenantId, t.customerId, t.at),
    index("consent_events_phone").on(t.tenantId, t.phone, t.at),
  ],
);

export const groups = sqliteTable(
  "groups",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    code: text("code"),
    name: text("name").notNull(),
    description: text("description"),
    kind: text("kind", { enum: ["static", "segment"] }).notNull(),
    filter: text("filter", { mode: "json" }).$type<unknown>(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("groups_tenant_code").on(t.tenantId, t.code)],
);

export const groupMembers = sqliteTable(
  "group_members",
  {
    tenantId: text("tenant_id").notNull(),
    groupId: text("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    addedAt: integer("added_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.customerId] }), index("group_members_customer").on(t.customerId)],
);

// What happened to a customer, beside what other tables already date (creation, consent).
export const timelineEntries = sqliteTable(
  "timeline_entries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
    type: text("type").notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  // Led by customer_id (ids are unique across workspaces), so deleting a customer finds its
  // entries by index; queries still name the tenant.
  (t) => [index("timeline_customer").on(t.customerId, t.at)],
);

// A tenant's own templates, one row per key and locale; the text lives in numbered versions.
// Editing the text adds a version; a sent message names the version it used.
export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    locale: text("locale").notNull(),
    kind: text("kind", { enum: ["notification", "marketing"] }).notNull(),
    /** The name people see in the console; empty: the console words the key. */
    title: text("title").notNull().default(""),
    description: text("description").notNull().default(""),
    /** Sample values by dotted path, for previews and lint. */
    variables: text("variables", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    currentVersion: integer("current_version").notNull(),
    /** "birthday_greeting.en@default-1a2b3c4d" when it started as a copy of a shipped template. */
    copiedFrom: text("copied_from"),
    archivedAt: integer("archived_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("templates_tenant_key_locale").on(t.tenantId, t.key, t.locale).where(sql`archived_at is null`)],
);

export const templateVersions = sqliteTable(
  "template_versions",
  {
    tenantId: text("tenant_id").notNull(),
    templateId: text("template_id")
      .notNull()
      .references(() => templates.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    source: text("source").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.templateId, t.version] })],
);

// Where messages go out: a provider with its (encrypted) credentials and a rate limit.
/** Every way a channel can send: HTTP providers, a carrier link (SMPP) and the simulator. */
export const PROVIDERS = ["simulator", "twilio", "smpp", "aliyun", "tencent"] as const;

/** A review state at a provider: unknown until asked; missing when the account has no such thing. */
export const APPROVALS = ["unknown", "approved", "pending", "rejected", "missing"] as const;

/** Per-number sending caps of a channel; a window left out has none. */
export type NumberCaps = { per_minute?: number; per_hour?: number; per_day?: number };

export const channels = sqliteTable(
  "channels",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    provider: text("provider", { enum: PROVIDERS }).notNull(),
    /** Non-secret settings: sender, base URL, simulator rates, SMPP host... */
    config: text("config", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** AES-GCM ciphertext of the JSON credentials (src/lib/secretbox.ts); never returned. */
    credentials: text("credentials").notNull(),
    /** Segments per second through this channel; null = as fast as the provider takes them. */
    ratePerSecond: integer("rate_per_second"),
    /** Messages one number may get through this channel per minute/hour/day; null: the provider's defaults. */
    numberCaps: text("number_caps", { mode: "json" }).$type<NumberCaps>(),
    counting: text("counting", { enum: ["standard", "cn_carrier"] }).notNull(),
    /** The signature's review state at the provider (Aliyun, Tencent) when last asked. */
    signatureApproval: text("signature_approval", { enum: APPROVALS }).notNull().default("unknown"),
    signatureDetail: text("signature_detail"),
    signatureCheckedAt: integer("signature_checked_at"),
    /** When the provider was last asked about reviews, answered or not (the job asks the longest-unasked first). */
    approvalsAskedAt: integer("approvals_asked_at"),
    isDefault: integer("is_default", { mode: "boolean" }).notNull(),
    archivedAt: integer("archived_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("channels_tenant").on(t.tenantId)],
);

export const MESSAGE_STATUSES = [
  "planned",
  "queued",
  "sending",
  "sent",
  "delivered",
  "undelivered",
  "failed",
  "expired",
  "skipped",
  "unknown",
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** The statuses of a message still in the outbox: to be sent, or being sent. */
export const LIVE_STATUSES = ["planned", "queued", "sending"] as const;
/** The messages still to be sent: messages_due indexes these alone (word for word: see there). */
export const OUTBOX_LIVE = `status in (${LIVE_STATUSES.map((x) => `'${x}'`).join(", ")})`;

// The outbox. Every message is a row before it is sent (rule 5); the dispatcher claims due rows
// with a lease and records every decision in the row's history.
/**
 * A Tidings template (by key and language) bound, on one channel of a provider that sends only
 * approved templates (Aliyun, Tencent), to the provider's template: its code, and each of its
 * parameters as a Handlebars expression over the same values the template renders with.
 */
export const templateBindings = sqliteTable(
  "template_bindings",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    channelId: text("channel_id").notNull(),
    templateKey: text("template_key").notNull(),
    locale: text("locale").notNull(),
    providerTemplate: text("provider_template").notNull(),
    /** In the provider template's order: [{name, value}], value a Handlebars expression. */
    params: text("params", { mode: "json" }).$type<{ name: string; value: string }[]>().notNull(),
    /** The provider template's review state when last asked: unknown until then. */
    approval: text("approval", { enum: APPROVALS }).notNull().default("unknown"),
    approvalDetail: text("approval_detail"),
    approvalCheckedAt: integer("approval_checked_at"),
    /** The provider template's text as it approved it (Aliyun ${name}, Tencent {1}), when last asked. */
    providerText: text("provider_text"),
    /** What the provider approved it as, when it says (Aliyun): notification, marketing, verification. */
    providerKind: text("provider_kind", { enum: ["notification", "marketing", "verification"] }),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.channelId, t.templateKey, t.locale] })],
);
export type TemplateBindingRow = typeof templateBindings.$inferSelect;

export const messages = sqliteTable(
  "messages",
  {
    // Unique within its workspace (messages_key), and every lookup names the workspace: a
    // primary key of its own would be one more b-tree written with every message.
    id: text("id").notNull(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    customerId: text("customer_id").notNull(),
    channelId: text("channel_id"),
    campaignId: text("campaign_id"),
    kind: text("kind", { enum: ["notification", "marketing"] }).notNull(),
    /** Either a template key (resolved by locale at send time) or a literal body. */
    templateKey: text("template_key"),
    templateVersion: text("template_version"),
    body: text("body"),
    variables: text("variables", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Free: a reply to the customer's own message (does not use the allowance). */
    isReply: integer("is_reply", { mode: "boolean" }).notNull(),
    quietHours: integer("quiet_hours", { mode: "boolean" }).notNull(),
    /** 2 high, 1 normal, 0 low: the dispatcher claims higher priorities first. */
    priority: integer("priority").notNull().default(1),
    status: text("status", { enum: MESSAGE_STATUSES }).notNull(),
    reason: text("reason"),
    reasonText: text("reason_text"),
    sendAt: integer("send_at").notNull(),
    validUntil: integer("valid_until"),
    /** When the dispatcher may next look at it (send_at, a retry, the end of quiet hours). */
    dueAt: integer("due_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    leaseUntil: integer("lease_until"),
    toPhone: text("to_phone"),
    text: text("text"),
    encoding: text("encoding"),
    segments: integer("segments"),
    price: integer("price_micros"),
    currency: text("currency"),
    providerRef: text("provider_ref"),
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    sentAt: integer("sent_at"),
    deliveredAt: integer("delivered_at"),
    /** The reply this message asks for (a survey score, Y/N), when sent alone; campaigns keep theirs. */
    expects: text("expects", { mode: "json" }).$type<Expectation | null>(),
    /** Its campaign's experiment arm ("holdout": followed, never sent); null outside experiments. */
    arm: text("arm"),
    /**
     * When it left the outbox (sent, skipped, failed, expired, unknown); null while it waits or is
     * being sent. Set once, by the move that ends OUTBOX_LIVE: claims and receipts leave it alone.
     */
    settledAt: integer("settled_at"),
    /**
     * Every status change and decision, in order, including reports that came too late to apply:
     * a JSON array of {at, status, reason?, detail?, applied?} (applied false: kept, not acted
     * on), appended by the statement that makes the change (outbox/history.ts). In the row, not
     * a table of its own: an entry then costs no b-tree insert of its own, and D1 bills each.
     */
    history: text("history"),
  },
  (t) => [
    // Partial: only what is still to be sent, so it stays small however long the history grows,
    // and a message leaving it costs one delete. A query that uses it repeats OUTBOX_LIVE word for
    // word (SQLite uses a partial index only when the query states its condition).
    index("messages_due").on(t.status, t.priority, t.dueAt).where(sql.raw(OUTBOX_LIVE)),
    index("messages_customer").on(t.tenantId, t.customerId, t.createdAt),
    // The message's key, and a workspace's messages newest first (ids are time-ordered).
    uniqueIndex("messages_key").on(t.tenantId, t.id),
    // Partial: a message has neither until it is sent, so planning a million writes no entries.
    index("messages_provider_ref").on(t.channelId, t.providerRef).where(sql`provider_ref is not null`),
    index("messages_sent").on(t.tenantId, t.sentAt).where(sql`sent_at is not null`),
    // Partial: a message of no campaign (a notification, a reply) is never looked up by campaign.
    // settled_at, not status: an update rewrites every index holding a column it sets, and
    // status changes three times (claimed, sent, delivered) where settled_at is set once; what
    // a campaign asks of it (anything left to send? pause the rest) is whether it has settled.
    index("messages_campaign").on(t.tenantId, t.campaignId, t.settledAt).where(sql`campaign_id is not null`),
    // Partial: a broadcast's rows carry no key (the campaign's plan cursor keeps them unique),
    // so planning a million writes no entries here.
    uniqueIndex("messages_idempotency").on(t.tenantId, t.idempotencyKey).where(sql`idempotency_key is not null`),
  ],
);

export const INBOUND_STEPS = [
  "opt_out",
  "opt_in",
  "help",
  "staff",
  "conversation",
  "keyword",
  "inbox",
  "ignored",
] as const;
export type InboundStep = (typeof INBOUND_STEPS)[number];

/**
 * Inbound SMS: stored raw by the webhook (or SMPP) first, unique per provider id, then processed
 * by the pipeline (inbound/process.ts), which fills in who sent it, which step took it and what
 * it answered.
 */
export const inboundMessages = sqliteTable(
  "inbound_messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    channelId: text("channel_id").notNull(),
    providerMessageId: text("provider_message_id").notNull(),
    fromPhone: text("from_phone").notNull(),
    toPhone: text("to_phone").notNull(),
    body: text("body").notNull(),
    raw: text("raw").notNull(),
    receivedAt: integer("received_at").notNull(),
    status: text("status", { enum: ["received", "processed"] })
      .notNull()
      .default("received"),
    leaseUntil: integer("lease_until"),
    attempts: integer("attempts").notNull().default(0),
    customerId: text("customer_id"),
    step: text("step", { enum: INBOUND_STEPS }),
    /** success, failure, already, ... : what the step made of it. */
    outcome: text("outcome"),
    keywordId: text("keyword_id"),
    /** The outbound message it most likely answers (latest within the attribution window). */
    messageId: text("message_id"),
    campaignId: text("campaign_id"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown> | null>(),
    processedAt: integer("processed_at"),
  },
  (t) => [
    uniqueIndex("inbound_provider_id").on(t.channelId, t.providerMessageId),
    index("inbound_pending").on(t.receivedAt).where(sql`status = 'received'`),
    index("inbound_tenant").on(t.tenantId, t.receivedAt),
    // Partial: filled in by the pipeline, so the webhook's insert writes no entry into them.
    index("inbound_customer").on(t.tenantId, t.customerId, t.receivedAt).where(sql`customer_id is not null`),
    index("inbound_keyword").on(t.tenantId, t.keywordId, t.receivedAt).where(sql`keyword_id is not null`),
  ],
);

/**
 * Provider webhooks that were correctly signed but could not be read (the provider was answered
 * 400, so it does not retry them forever): kept as they came for 30 days, for someone to see what
 * the provider sent. GET /v1/channels/{id}/rejected-webhooks.
 */
export const rejectedWebhooks = sqliteTable(
  "rejected_webhooks",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    channelId: text("channel_id").notNull(),
    kind: text("kind", { enum: ["status", "inbound"] }).notNull(),
    reason: text("reason").notNull(),
    contentType: text("content_type"),
    body: text("body").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("rejected_webhooks_channel").on(t.tenantId, t.channelId, t.receivedAt)],
);

/**
 * Receipts that came in before the send they report was recorded (an SMPP receipt can beat the
 * batch's write; so can a fast webhook). Applied when the send is written; dropped after a day.
 */
export const earlyReceipts = sqliteTable(
  "early_receipts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    channelId: text("channel_id").notNull(),
    providerRef: text("provider_ref").notNull(),
    status: text("status").notNull(),
    errorCode: text("error_code"),
    detail: text("detail"),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    index("early_receipts_ref").on(t.tenantId, t.channelId, t.providerRef),
    index("early_receipts_age").on(t.receivedAt),
  ],
);

/**
 * Parts of a long inbound SMS (UDH concatenation) kept until the last one arrives, so that a part
 * acknowledged to the SMSC survives a crash. Keyed as a handset would join them.
 */
export const inboundParts = sqliteTable(
  "inbound_parts",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    channelId: text("channel_id").notNull(),
    fromPhone: text("from_phone").notNull(),
    toPhone: text("to_phone").notNull(),
    reference: integer("reference").notNull(),
    total: integer("total").notNull(),
    seq: integer("seq").notNull(),
    body: text("body").notNull(),
    /** The provider's id of this part (the first part's names the whole message). */
    providerMessageId: text("provider_message_id").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.channelId, t.fromPhone, t.toPhone, t.reference, t.total, t.seq] }),
    index("inbound_parts_age").on(t.receivedAt),
  ],
);

/**
 * Inbound SMS (and parts) stored from an SMPP session and not yet answered (a day at most). If
 * the process dies before answering one, the SMSC delivers the same message again on a new
 * connection: one matching such a row is that redelivery (src/inbound/delivered-store.ts).
 */
export const unansweredDeliveries = sqliteTable(
  "unanswered_deliveries",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    channelId: text("channel_id").notNull(),
    providerMessageId: text("provider_message_id").notNull(),
    /** The connection it came on (its provider ids' prefix). */
    connection: text("connection").notNull(),
    /** Sender, recipient, text and place in a long message: what a redelivery repeats. */
    fingerprint: text("fingerprint").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.channelId, t.providerMessageId] }),
    index("unanswered_fingerprint").on(t.tenantId, t.channelId, t.fingerprint),
    index("unanswered_age").on(t.receivedAt),
  ],
);

/** How a session-based channel's link is doing (SMPP), written by the process holding it. */
export const channelHealth = sqliteTable(
  "channel_health",
  {
    channelId: text("channel_id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    state: text("state", { enum: ["connecting", "up", "down"] }).notNull(),
    since: integer("since").notNull(),
    lastError: text("last_error"),
    lastErrorAt: integer("last_error_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("channel_health_tenant").on(t.tenantId)],
);

/** Keywords a tenant defines (`激活 1234`, `JOIN`): what a matching message does, in order. */
export const keywords = sqliteTable(
  "keywords",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Normalised (NFKC, case-folded) words; any of them matches. */
    words: text("words", { mode: "json" }).$type<string[]>().notNull(),
    match: text("match", { enum: ["whole", "first_word", "prefix"] })
      .$type<KeywordMatch>()
      .notNull(),
    argument: text("argument", { mode: "json" }).$type<KeywordArgument | null>(),
    actions: text("actions", { mode: "json" }).$type<KeywordAction[]>().notNull(),
    /** Replied when the argument does not fit (a usage hint). */
    failureReply: text("failure_reply", { mode: "json" }).$type<{ template?: string; text?: string } | null>(),
    groupIds: text("group_ids", { mode: "json" }).$type<string[]>().notNull(),
    startsAt: integer("starts_at"),
    endsAt: integer("ends_at"),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    preset: text("preset"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("keywords_tenant").on(t.tenantId, t.id)],
);

/** Typed answers: a survey score, a yes/no, a poll choice, a keyword's argument. */
export const responses = sqliteTable(
  "responses",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    customerId: text("customer_id").notNull(),
    inboundId: text("inbound_id").notNull(),
    messageId: text("message_id"),
    campaignId: text("campaign_id"),
    keywordId: text("keyword_id"),
    question: text("question").notNull(),
    type: text("type", { enum: ["score", "yes_no", "choice", "text"] }).notNull(),
    valueNumber: integer("value_number"),
    valueText: text("value_text"),
    at: integer("at").notNull(),
  },
  (t) => [
    uniqueIndex("responses_inbound").on(t.tenantId, t.inboundId, t.question),
    index("responses_campaign").on(t.tenantId, t.campaignId, t.question),
    index("responses_customer").on(t.tenantId, t.customerId, t.at),
  ],
);

export const INBOX_CATEGORIES = ["complaint", "suggestion", "vote", "question", "other"] as const;
export type InboxCategory = (typeof INBOX_CATEGORIES)[number];

/** What nobody planned for: one item per inbound message, answered by staff. */
export const inboxItems = sqliteTable(
  "inbox_items",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    inboundId: text("inbound_id").notNull(),
    customerId: text("customer_id").notNull(),
    category: text("category", { enum: INBOX_CATEGORIES }).notNull(),
    status: text("status", { enum: ["open", "done"] }).notNull(),
    assigneeId: text("assignee_id"),
    /** Why it needs a person beyond its category: possible_opt_out, activation_locked. */
    flag: text("flag"),
    dueAt: integer("due_at").notNull(),
    repliedAt: integer("replied_at"),
    doneAt: integer("done_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("inbox_inbound").on(t.tenantId, t.inboundId),
    index("inbox_list").on(t.tenantId, t.status, t.category, t.dueAt),
  ],
);

/**
 * The workspace's control group: its share now (0: none) since when, and the earlier shares with
 * the time each ended, so a past year is reported with the group it had.
 */
export type ControlGroup = {
  share: number;
  since: number;
  past?: { share: number; since: number; until: number }[];
};

/** A campaign's experiment: its arms by weight, each with the template or values it changes. */
export type Experiment = {
  arms: {
    name: string;
    weight: number;
    template?: string;
    variables?: Record<string, unknown>;
    /** Hours after (or before) the campaign's send time this arm's messages go. */
    shift_hours?: number;
  }[];
  /** The share of the audience held out: planned and followed, never sent. */
  holdout: number;
  /** What counts as converting: this event within this many days of the message (or its would-be send). */
  goal?: { event: string; within_days: number };
  /** Broadcasts: the arms to a test share first, then the winner by `metric` to the rest. */
  rollout?: Rollout;
  /** 1: planned with the first, unsquared hash (kept so its customers stay in their arms). */
  hash?: number;
};

export type Rollout = {
  test_share: number;
  wait_hours: number;
  metric: "clicked" | "replied" | "converted";
  if_unclear: "best" | "first";
};

/** Where a rollout stands: waiting for its decision, then the decision and the figures it was made on. */
export type RolloutState = {
  decide_at: number;
  decided_at?: number;
  winner?: string;
  /** Why that arm: "better" (clearly ahead), "best_unclear" or "first_unclear" (no arm clearly ahead). */
  reason?: "better" | "best_unclear" | "first_unclear";
  arms?: {
    arm: string;
    audience: number;
    count: number;
    rate: number | null;
    low: number | null;
    high: number | null;
  }[];
};

export const CAMPAIGN_STATUSES = ["draft", "scheduled", "running", "paused", "completed", "cancelled"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_KINDS = [
  "broadcast",
  "recurring",
  "date_relative",
  "holiday",
  "event",
  "after_delivery",
] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

export type Offset = { value: number; unit: "minutes" | "hours" | "days" | "weeks" };
export type CatchUp = { policy: "send_late" | "skip"; within_hours: number };
export type HolidayName = "new_year" | "spring_festival" | "dragon_boat" | "mid_autumn";

export type CampaignTrigger =
  | {
      type: "date";
      /** "birthday" or "attributes.<key>" (a date attribute). */
      anchor: string;
      /** Attribute anchors: every year on the month and day (birthdays always are). */
      yearly: boolean;
      offset: Offset;
      delivery_time: string;
      catch_up: CatchUp;
    }
  | {
      type: "holiday";
      holiday: HolidayName | { name: string; date: string };
      delivery_time: string;
      catch_up: CatchUp;
    }
  | { type: "event"; event: string; delay: Offset; cancel_on: string[] }
  | AfterDeliveryTrigger;

/**
 * after_delivery: a prompt per shipment, on the day the cell's lead-time quantile says the item
 * has most likely arrived (or a fixed day, the rule to compare with), at a local time.
 */
export type AfterDeliveryTrigger = {
  type: "after_delivery";
  item_kind: ItemKind;
  timing: { quantile: number } | { fixed_days: number };
  delivery_time: string;
  /** More prompts while still not converted: the first at a later quantile or after_days, the rest every after_days. */
  follow_up: { quantile?: number; after_days: number; max_messages: number; template?: string } | null;
  /** Lead days when a workspace has no data at all and the shipment gives no promised days. */
  default_days: number;
};

export type Audience = {
  /** Everyone in the workspace (the other fields are then not needed). */
  all?: boolean;
  /** Static groups and segments, by id or code: customers in any of them. */
  groups?: string[];
  customers?: string[];
  /** A filter of its own (the segment filter language). */
  filter?: unknown;
  exclude_groups?: string[];
  /** Leave out customers sent any marketing in the last N days. */
  exclude_marketing_within_days?: number;
};

// A campaign plans messages into the outbox, one per (campaign, customer, occurrence).
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: CAMPAIGN_KINDS }).notNull(),
    status: text("status", { enum: CAMPAIGN_STATUSES }).notNull(),
    /** date_relative, holiday and event campaigns: when and on what they fire. */
    trigger: text("trigger", { mode: "json" }).$type<CampaignTrigger | null>(),
    /** Event campaigns: the event type they fire on. */
    eventType: text("event_type"),
    priority: integer("priority").notNull().default(1),
    /** Date and holiday campaigns: a message expires at the end of the customer's local day. */
    expiresEndOfDay: integer("expires_end_of_day", { mode: "boolean" }).notNull().default(false),
    /** Date and holiday campaigns: every send time up to here has been planned. */
    plannedUntil: integer("planned_until"),
    /** Since when it has been live (scheduled or resumed): nothing before is sent late. */
    activeSince: integer("active_since"),
    /** Recurring: a cron expression read on the wall clock of time_zone. */
    cron: text("cron"),
    timeZone: text("time_zone"),
    templateKey: text("template_key").notNull(),
    variables: text("variables", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Values that differ by the customer's language ({"en": {"offer": ...}}), laid over `variables`. */
    variablesByLocale: text("variables_by_locale", { mode: "json" }).$type<Record<
      string,
      Record<string, unknown>
    > | null>(),
    /** The reply its messages ask for (survey 1-5, Y/N, a poll), recorded as responses. */
    response: text("response", { mode: "json" }).$type<Expectation | null>(),
    messageKind: text("message_kind", { enum: ["notification", "marketing"] }).notNull(),
    audience: text("audience", { mode: "json" }).$type<Audience>().notNull(),
    channelId: text("channel_id"),
    /** When the next occurrence sends (UTC ms); null when nothing more is to be planned. */
    nextOccurrenceAt: integer("next_occurrence_at"),
    /** Each message's validity after its send time, if any. */
    validForMs: integer("valid_for_ms"),
    /** How many messages planning wrote so far. */
    planned: integer("planned").notNull().default(0),
    /**
     * Broadcast and recurring: `<occurrence>:<last customer id planned>` while an occurrence is
     * being planned in chunks; each chunk is written only if the cursor is still where it was.
     */
    planCursor: text("plan_cursor"),
    /** Links in its messages become tracked short links: null follows the workspace (marketing by default). */
    trackLinks: integer("track_links", { mode: "boolean" }),
    /** An experiment: weighted arms (each its own template or values) and a holdout share. */
    experiment: text("experiment", { mode: "json" }).$type<Experiment | null>(),
    /** A rollout's progress: when it decides, then what it decided. */
    rollout: text("rollout", { mode: "json" }).$type<RolloutState | null>(),
    confirmedAudience: integer("confirmed_audience"),
    reason: text("reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("campaigns_due").on(t.status, t.nextOccurrenceAt),
    index("campaigns_tenant").on(t.tenantId, t.id),
    index("campaigns_event").on(t.tenantId, t.eventType),
  ],
);

export const ITEM_KINDS = ["card", "membership_kit", "parcel"] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

// What went out by courier, and what became of it: delivered, returned, converted (a card
// activated). lead_* is the shipped-to-delivered time (or the bounded activation proxy), computed
// once when the outcome arrives, in the customer's local calendar days.
export const shipments = sqliteTable(
  "shipments",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    customerId: text("customer_id").notNull(),
    itemKind: text("item_kind", { enum: ITEM_KINDS }).notNull(),
    /** e.g. the card's last 4 digits: what the customer types to activate. */
    reference: text("reference"),
    /** The sender's own id: a re-sent shipment is stored once, and updates can name it. */
    externalId: text("external_id"),
    courier: text("courier").notNull(),
    region: text("region").notNull(),
    shippedAt: integer("shipped_at").notNull(),
    promisedDays: integer("promised_days"),
    deliveredAt: integer("delivered_at"),
    returnedAt: integer("returned_at"),
    convertedAt: integer("converted_at"),
    conversionChannel: text("conversion_channel"),
    leadHours: integer("lead_hours"),
    leadDays: integer("lead_days"),
    leadSource: text("lead_source", { enum: ["delivered", "activation"] }),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("shipments_external").on(t.tenantId, t.externalId),
    index("shipments_customer").on(t.tenantId, t.customerId, t.itemKind, t.shippedAt),
    index("shipments_shipped").on(t.tenantId, t.itemKind, t.shippedAt),
  ],
);

// The lead-time model: one row per (item kind, courier, region) cell, per courier (region '')
// and workspace-wide (both ''), rebuilt by each refresh.
export const leadTimeCells = sqliteTable(
  "lead_time_cells",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    itemKind: text("item_kind", { enum: ITEM_KINDS }).notNull(),
    courier: text("courier").notNull(),
    region: text("region").notNull(),
    samples: integer("samples").notNull(),
    proxySamples: integer("proxy_samples").notNull(),
    /** Count per lead day (index = day; the last bucket holds everything later). */
    daysHistogram: text("days_histogram", { mode: "json" }).$type<number[]>().notNull(),
    hoursHistogram: text("hours_histogram", { mode: "json" }).$type<number[]>().notNull(),
    windowFrom: integer("window_from").notNull(),
    refreshedAt: integer("refreshed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.itemKind, t.courier, t.region] })],
);

// Why a shipment prompt was planned for when it was: the cell and level used, the quantile
// and its lead days. One per message; the message's history says it in words.
export const timingDecisions = sqliteTable(
  "timing_decisions",
  {
    messageId: text("message_id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    campaignId: text("campaign_id").notNull(),
    shipmentId: text("shipment_id").notNull(),
    step: integer("step").notNull(),
    /** cell, courier, tenant (the fallbacks), promised, default, fixed. */
    level: text("level").notNull(),
    courier: text("courier").notNull(),
    region: text("region").notNull(),
    quantile: real("quantile"),
    leadDays: integer("lead_days").notNull(),
    samples: integer("samples").notNull(),
    sendDate: text("send_date").notNull(),
    late: integer("late", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("timing_campaign_shipment").on(t.tenantId, t.campaignId, t.shipmentId, t.step),
    index("timing_shipment").on(t.tenantId, t.shipmentId),
    // Per campaign: its conversions and its timing fitness.
    index("timing_campaign").on(t.tenantId, t.campaignId, t.step),
  ],
);

export const schema = {
  tenants,
  tenantPlans,
  usageMonths,
  consoleSessions,
  apiKeys,
  staff,
  attributeDefinitions,
  customers,
  customerDates,
  events,
  tenantTimeZones,
  consentEvents,
  groups,
  groupMembers,
  timelineEntries,
  templates,
  templateVersions,
  channels,
  messages,
  inboundMessages,
  rejectedWebhooks,
  earlyReceipts,
  inboundParts,
  unansweredDeliveries,
  channelHealth,
  keywords,
  responses,
  inboxItems,
  campaigns,
  shipments,
  leadTimeCells,
  timingDecisions,
};

export type Schema = typeof schema;
export type CustomerRow = typeof customers.$inferSelect;
export type TenantRow = typeof tenants.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;
export type TemplateRow = typeof templates.$inferSelect;
export type ChannelRow = typeof channels.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type CampaignRow = typeof campaigns.$inferSelect;
export type InboundRow = typeof inboundMessages.$inferSelect;
export type KeywordRow = typeof keywords.$inferSelect;
export type ShipmentRow = typeof shipments.$inferSelect;
export type LeadTimeCellRow = typeof leadTimeCells.$inferSelect;

/** What an outgoing webhook can be sent for; `*` subscribes to all. */
/**
 * A tracked short link: one URL of one sent message, so each recipient's clicks are theirs. The
 * code is random (unguessable); the counts are the click job's, from link_clicks. The migration
 * makes it WITHOUT ROWID: the redirect's lookup by code is one b-tree descent, not two.
 */
export const links = sqliteTable(
  "links",
  {
    code: text("code").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    customerId: text("customer_id").notNull(),
    campaignId: text("campaign_id"),
    /** Which URL of the message, from 0. */
    position: integer("position").notNull(),
    url: text("url").notNull(),
    createdAt: integer("created_at").notNull(),
    firstClickAt: integer("first_click_at"),
    lastClickAt: integer("last_click_at"),
    /** A person's clicks. */
    clicks: integer("clicks").notNull().default(0),
    /** Link-preview bots, HEAD requests and carriers' scanners: counted apart, never a click. */
    botClicks: integer("bot_clicks").notNull().default(0),
  },
  (t) => [
    uniqueIndex("links_message").on(t.tenantId, t.messageId, t.position),
    index("links_campaign").on(t.tenantId, t.campaignId).where(sql`campaign_id is not null`),
    index("links_customer").on(t.tenantId, t.customerId),
  ],
);
export type LinkRow = typeof links.$inferSelect;

/** Requests of short links, as the redirect took them, until the click job counts them. */
export const linkClicks = sqliteTable(
  "link_clicks",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    at: integer("at").notNull(),
    /** How the redirect saw it: a person's browser, a known preview bot, or a HEAD request. */
    agent: text("agent", { enum: ["browser", "bot", "head"] }).notNull(),
    userAgent: text("user_agent").notNull(),
    leaseUntil: integer("lease_until").notNull().default(0),
  },
  (t) => [index("link_clicks_due").on(t.leaseUntil, t.at), index("link_clicks_tenant").on(t.tenantId)],
);

export const WEBHOOK_EVENTS = [
  "message.status",
  "inbound.received",
  "consent.changed",
  "campaign.started",
  "campaign.completed",
  "import.finished",
  "link.clicked",
  "conversion.recorded",
  "webhook.test",
] as const;

/** An integrator's endpoint: where events go, which ones, and the secret they are signed with. */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** Event types, or ["*"]. */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    active: integer("active", { mode: "boolean" }).notNull(),
    /** AES-GCM ciphertext of the signing secret (whsec_…), shown once when made. */
    secret: text("secret").notNull(),
    /** Why it was turned off by Tidings (deliveries failed for a day); null when on or turned off by a person. */
    disabledReason: text("disabled_reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_tenant").on(t.tenantId)],
);
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;

/** One event for one endpoint: the outbox of outgoing webhooks, and their delivery log. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id").notNull(),
    /** The event's id (webhook-id): the same for every endpoint and every attempt. */
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The exact body sent (and signed). */
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    leaseUntil: integer("lease_until"),
    lastStatus: integer("last_status"),
    lastLatencyMs: integer("last_latency_ms"),
    /** The start of the endpoint's answer, or why there was none. */
    lastResponse: text("last_response"),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [
    index("webhook_deliveries_due").on(t.status, t.nextAttemptAt).where(sql`status = 'pending'`),
    index("webhook_deliveries_endpoint").on(t.tenantId, t.endpointId, t.createdAt),
  ],
);
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
