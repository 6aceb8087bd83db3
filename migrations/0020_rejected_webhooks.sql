CREATE TABLE `rejected_webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`kind` text NOT NULL,
	`reason` text NOT NULL,
	`content_type` text,
	`body` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rejected_webhooks_channel` ON `rejected_webhooks` (`tenant_id`,`channel_id`,`received_at`);