CREATE TABLE `template_versions` (
	`tenant_id` text NOT NULL,
	`template_id` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`template_id`, `version`),
	FOREIGN KEY (`template_id`) REFERENCES `templates`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`key` text NOT NULL,
	`locale` text NOT NULL,
	`kind` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`variables` text NOT NULL,
	`current_version` integer NOT NULL,
	`copied_from` text,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_tenant_key_locale` ON `templates` (`tenant_id`,`key`,`locale`) WHERE archived_at is null;--> statement-breakpoint
ALTER TABLE `tenants` ADD `compose` text DEFAULT '{}' NOT NULL;