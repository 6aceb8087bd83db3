ALTER TABLE `template_bindings` ADD `approval` text DEFAULT 'unknown' NOT NULL;--> statement-breakpoint
ALTER TABLE `template_bindings` ADD `approval_detail` text;--> statement-breakpoint
ALTER TABLE `template_bindings` ADD `approval_checked_at` integer;