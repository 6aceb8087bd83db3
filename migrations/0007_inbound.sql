CREATE TABLE `inbox_items` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`inbound_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`category` text NOT NULL,
	`status` text NOT NULL,
	`assignee_id` text,
	`flag` text,
	`due_at` integer NOT NULL,
	`replied_at` integer,
	`done_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_inbound` ON `inbox_items` (`tenant_id`,`inbound_id`);--> statement-breakpoint
CREATE INDEX `inbox_list` ON `inbox_items` (`tenant_id`,`status`,`category`,`due_at`);--> statement-breakpoint
CREATE TABLE `keywords` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`words` text NOT NULL,
	`match` text NOT NULL,
	`argument` text,
	`actions` text NOT NULL,
	`failure_reply` text,
	`group_ids` text NOT NULL,
	`starts_at` integer,
	`ends_at` integer,
	`enabled` integer NOT NULL,
	`preset` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `keywords_tenant` ON `keywords` (`tenant_id`,`id`);--> statement-breakpoint
CREATE TABLE `responses` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`inbound_id` text NOT NULL,
	`message_id` text,
	`campaign_id` text,
	`keyword_id` text,
	`question` text NOT NULL,
	`type` text NOT NULL,
	`value_number` integer,
	`value_text` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `responses_inbound` ON `responses` (`tenant_id`,`inbound_id`,`question`);--> statement-breakpoint
CREATE INDEX `responses_campaign` ON `responses` (`tenant_id`,`campaign_id`,`question`);--> statement-breakpoint
CREATE INDEX `responses_customer` ON `responses` (`tenant_id`,`customer_id`,`at`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `response` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `status` text DEFAULT 'received' NOT NULL;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `customer_id` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `step` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `outcome` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `keyword_id` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `message_id` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `campaign_id` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `detail` text;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `processed_at` integer;--> statement-breakpoint
CREATE INDEX `inbound_pending` ON `inbound_messages` (`received_at`) WHERE status = 'received';--> statement-breakpoint
CREATE INDEX `inbound_tenant` ON `inbound_messages` (`tenant_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `inbound_customer` ON `inbound_messages` (`tenant_id`,`customer_id`,`received_at`) WHERE customer_id is not null;--> statement-breakpoint
CREATE INDEX `inbound_keyword` ON `inbound_messages` (`tenant_id`,`keyword_id`,`received_at`) WHERE keyword_id is not null;--> statement-breakpoint
ALTER TABLE `messages` ADD `expects` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `inbound` text DEFAULT '{}' NOT NULL;