CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`config` text NOT NULL,
	`credentials` text NOT NULL,
	`rate_per_second` integer,
	`counting` text NOT NULL,
	`is_default` integer NOT NULL,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `channels_tenant` ON `channels` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `inbound_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`provider_message_id` text NOT NULL,
	`from_phone` text NOT NULL,
	`to_phone` text NOT NULL,
	`body` text NOT NULL,
	`raw` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_provider_id` ON `inbound_messages` (`channel_id`,`provider_message_id`);--> statement-breakpoint
CREATE TABLE `message_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`message_id` text NOT NULL,
	`at` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`detail` text,
	`applied` integer NOT NULL,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_events_message` ON `message_events` (`tenant_id`,`message_id`,`id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
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
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_due` ON `messages` (`status`,`due_at`);--> statement-breakpoint
CREATE INDEX `messages_customer` ON `messages` (`tenant_id`,`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_tenant_created` ON `messages` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_provider_ref` ON `messages` (`channel_id`,`provider_ref`);--> statement-breakpoint
CREATE INDEX `messages_sent` ON `messages` (`tenant_id`,`sent_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency` ON `messages` (`tenant_id`,`idempotency_key`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `monthly_segment_cap` integer;