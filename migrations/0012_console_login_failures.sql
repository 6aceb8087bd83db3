CREATE TABLE `console_login_failures` (
	`tenant_id` text NOT NULL,
	`email` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `console_login_failures_email` ON `console_login_failures` (`tenant_id`,`email`,`at`);--> statement-breakpoint
CREATE INDEX `console_login_failures_at` ON `console_login_failures` (`tenant_id`,`at`);