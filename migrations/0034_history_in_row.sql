PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_messages` (
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`channel_id` text,
	`campaign_id` text,
	`kind` text NOT NULL,
	`template_key` text,
	`template_version` text,
	`body` text,
	`variables` text NOT NULL,
	`is_reply` integer NOT NULL,
	`quiet_hours` integer NOT NULL,
	`priority` integer DEFAULT 1 NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`reason_text` text,
	`send_at` integer NOT NULL,
	`valid_until` integer,
	`due_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`to_phone` text,
	`text` text,
	`encoding` text,
	`segments` integer,
	`price_micros` integer,
	`currency` text,
	`provider_ref` text,
	`idempotency_key` text,
	`request_hash` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer,
	`delivered_at` integer,
	`expects` text,
	`arm` text,
	`settled_at` integer,
	`history` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);--> statement-breakpoint
INSERT INTO `__new_messages`("id", "tenant_id", "customer_id", "channel_id", "campaign_id", "kind", "template_key", "template_version", "body", "variables", "is_reply", "quiet_hours", "priority", "status", "reason", "reason_text", "send_at", "valid_until", "due_at", "attempts", "lease_until", "to_phone", "text", "encoding", "segments", "price_micros", "currency", "provider_ref", "idempotency_key", "request_hash", "created_at", "updated_at", "sent_at", "delivered_at", "expects", "arm", "settled_at", "history") SELECT "id", "tenant_id", "customer_id", "channel_id", "campaign_id", "kind", "template_key", "template_version", "body", "variables", "is_reply", "quiet_hours", "priority", "status", "reason", "reason_text", "send_at", "valid_until", "due_at", "attempts", "lease_until", "to_phone", "text", "encoding", "segments", "price_micros", "currency", "provider_ref", "idempotency_key", "request_hash", "created_at", "updated_at", "sent_at", "delivered_at", "expects", "arm",
  CASE WHEN "status" NOT IN ('planned', 'queued', 'sending') THEN coalesce("sent_at", "updated_at") END,
  (SELECT json_group_array(json_object('at', e.at, 'status', e.status, 'reason', e.reason, 'detail', e.detail, 'applied', json(CASE WHEN e.applied THEN 'true' ELSE 'false' END)) ORDER BY e.rowid)
     FROM `message_events` e WHERE e.message_id = `messages`.`id` HAVING count(*) > 0)
FROM `messages` ORDER BY `messages`.rowid;--> statement-breakpoint
DROP TABLE `message_events`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `messages_due` ON `messages` (`status`,`priority`,`due_at`) WHERE status in ('planned', 'queued', 'sending');--> statement-breakpoint
CREATE INDEX `messages_customer` ON `messages` (`tenant_id`,`customer_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_key` ON `messages` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_provider_ref` ON `messages` (`channel_id`,`provider_ref`) WHERE provider_ref is not null;--> statement-breakpoint
CREATE INDEX `messages_sent` ON `messages` (`tenant_id`,`sent_at`) WHERE sent_at is not null;--> statement-breakpoint
CREATE INDEX `messages_campaign` ON `messages` (`tenant_id`,`campaign_id`,`settled_at`) WHERE campaign_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency` ON `messages` (`tenant_id`,`idempotency_key`) WHERE idempotency_key is not null;
