CREATE TABLE `channel_health` (
	`channel_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`state` text NOT NULL,
	`since` integer NOT NULL,
	`last_error` text,
	`last_error_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `channel_health_tenant` ON `channel_health` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `early_receipts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`provider_ref` text NOT NULL,
	`status` text NOT NULL,
	`error_code` text,
	`detail` text,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `early_receipts_ref` ON `early_receipts` (`tenant_id`,`channel_id`,`provider_ref`);--> statement-breakpoint
CREATE INDEX `early_receipts_age` ON `early_receipts` (`received_at`);--> statement-breakpoint
CREATE TABLE `inbound_parts` (
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`from_phone` text NOT NULL,
	`to_phone` text NOT NULL,
	`reference` integer NOT NULL,
	`total` integer NOT NULL,
	`seq` integer NOT NULL,
	`body` text NOT NULL,
	`provider_message_id` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `channel_id`, `from_phone`, `to_phone`, `reference`, `total`, `seq`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `inbound_parts_age` ON `inbound_parts` (`received_at`);--> statement-breakpoint
CREATE TABLE `unanswered_deliveries` (
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`provider_message_id` text NOT NULL,
	`connection` text NOT NULL,
	`fingerprint` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `channel_id`, `provider_message_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `unanswered_fingerprint` ON `unanswered_deliveries` (`tenant_id`,`channel_id`,`fingerprint`);--> statement-breakpoint
CREATE INDEX `unanswered_age` ON `unanswered_deliveries` (`received_at`);