CREATE TABLE `link_clicks` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`code` text NOT NULL,
	`at` integer NOT NULL,
	`agent` text NOT NULL,
	`user_agent` text NOT NULL,
	`lease_until` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `link_clicks_due` ON `link_clicks` (`lease_until`,`at`);--> statement-breakpoint
CREATE INDEX `link_clicks_tenant` ON `link_clicks` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `links` (
	`code` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`message_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`campaign_id` text,
	`position` integer NOT NULL,
	`url` text NOT NULL,
	`created_at` integer NOT NULL,
	`first_click_at` integer,
	`last_click_at` integer,
	`clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE UNIQUE INDEX `links_message` ON `links` (`tenant_id`,`message_id`,`position`);--> statement-breakpoint
CREATE INDEX `links_campaign` ON `links` (`tenant_id`,`campaign_id`) WHERE campaign_id is not null;--> statement-breakpoint
CREATE INDEX `links_customer` ON `links` (`tenant_id`,`customer_id`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `track_links` integer;