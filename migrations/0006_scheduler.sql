CREATE TABLE `customer_dates` (
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`key` text NOT NULL,
	`month_day` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `key`, `month_day`, `value`, `customer_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `customer_dates_customer` ON `customer_dates` (`tenant_id`,`customer_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`type` text NOT NULL,
	`properties` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`external_id` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_external` ON `events` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `events_customer` ON `events` (`tenant_id`,`customer_id`,`type`,`occurred_at`);--> statement-breakpoint
DROP INDEX `messages_due`;--> statement-breakpoint
DROP INDEX `messages_provider_ref`;--> statement-breakpoint
DROP INDEX `messages_sent`;--> statement-breakpoint
ALTER TABLE `messages` ADD `priority` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_due` ON `messages` (`status`,`priority`,`due_at`);--> statement-breakpoint
CREATE INDEX `messages_provider_ref` ON `messages` (`channel_id`,`provider_ref`) WHERE provider_ref is not null;--> statement-breakpoint
CREATE INDEX `messages_sent` ON `messages` (`tenant_id`,`sent_at`) WHERE sent_at is not null;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `trigger` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `event_type` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `priority` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `expires_end_of_day` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `planned_until` integer;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `active_since` integer;--> statement-breakpoint
CREATE INDEX `campaigns_event` ON `campaigns` (`tenant_id`,`event_type`);--> statement-breakpoint
CREATE INDEX `customers_birthday` ON `customers` (`tenant_id`,`birthday_month`,`birthday_day`);--> statement-breakpoint
INSERT OR IGNORE INTO `customer_dates` (`tenant_id`, `customer_id`, `key`, `month_day`, `value`)
SELECT c.`tenant_id`, c.`id`, j.`key`, substr(j.`value`, 6), j.`value`
FROM `customers` c, json_each(c.`attributes`) j
WHERE c.`deleted_at` IS NULL AND j.`type` = 'text' AND j.`value` GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]';
