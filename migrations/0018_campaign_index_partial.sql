DROP INDEX `messages_campaign`;--> statement-breakpoint
CREATE INDEX `messages_campaign` ON `messages` (`tenant_id`,`campaign_id`,`status`) WHERE campaign_id is not null;