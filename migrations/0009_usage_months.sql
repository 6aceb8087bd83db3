CREATE TABLE `usage_months` (
	`tenant_id` text NOT NULL,
	`month` text NOT NULL,
	`segments` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `month`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
