CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`template_key` text NOT NULL,
	`variables` text NOT NULL,
	`message_kind` text NOT NULL,
	`audience` text NOT NULL,
	`channel_id` text,
	`next_occurrence_at` integer,
	`valid_for_ms` integer,
	`planned` integer DEFAULT 0 NOT NULL,
	`confirmed_audience` integer,
	`reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `campaigns_due` ON `campaigns` (`status`,`next_occurrence_at`);--> statement-breakpoint
CREATE INDEX `campaigns_tenant` ON `campaigns` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_campaign` ON `messages` (`tenant_id`,`campaign_id`,`status`);