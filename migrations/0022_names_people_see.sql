ALTER TABLE `attribute_definitions` ADD `label` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `title` text DEFAULT '' NOT NULL;