ALTER TABLE `campaigns` ADD `cron` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `time_zone` text;