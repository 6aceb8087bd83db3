ALTER TABLE `campaigns` ADD `experiment` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `arm` text;