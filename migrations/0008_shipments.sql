CREATE TABLE `lead_time_cells` (
	`tenant_id` text NOT NULL,
	`item_kind` text NOT NULL,
	`courier` text NOT NULL,
	`region` text NOT NULL,
	`samples` integer NOT NULL,
	`proxy_samples` integer NOT NULL,
	`days_histogram` text NOT NULL,
	`hours_histogram` text NOT NULL,
	`window_from` integer NOT NULL,
	`refreshed_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `item_kind`, `courier`, `region`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `shipments` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`item_kind` text NOT NULL,
	`reference` text,
	`external_id` text,
	`courier` text NOT NULL,
	`region` text NOT NULL,
	`shipped_at` integer NOT NULL,
	`promised_days` integer,
	`delivered_at` integer,
	`returned_at` integer,
	`converted_at` integer,
	`conversion_channel` text,
	`lead_hours` integer,
	`lead_days` integer,
	`lead_source` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shipments_external` ON `shipments` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `shipments_customer` ON `shipments` (`tenant_id`,`customer_id`,`item_kind`,`shipped_at`);--> statement-breakpoint
CREATE INDEX `shipments_shipped` ON `shipments` (`tenant_id`,`item_kind`,`shipped_at`);--> statement-breakpoint
CREATE TABLE `timing_decisions` (
	`message_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`shipment_id` text NOT NULL,
	`step` integer NOT NULL,
	`level` text NOT NULL,
	`courier` text NOT NULL,
	`region` text NOT NULL,
	`quantile` real,
	`lead_days` integer NOT NULL,
	`samples` integer NOT NULL,
	`send_date` text NOT NULL,
	`late` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `timing_campaign_shipment` ON `timing_decisions` (`tenant_id`,`campaign_id`,`shipment_id`,`step`);--> statement-breakpoint
CREATE INDEX `timing_shipment` ON `timing_decisions` (`tenant_id`,`shipment_id`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `delivery_model` text DEFAULT '{}' NOT NULL;