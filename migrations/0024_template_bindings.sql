CREATE TABLE `template_bindings` (
	`tenant_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`template_key` text NOT NULL,
	`locale` text NOT NULL,
	`provider_template` text NOT NULL,
	`params` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `channel_id`, `template_key`, `locale`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
