DROP INDEX `messages_idempotency`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency` ON `messages` (`tenant_id`,`idempotency_key`) WHERE idempotency_key is not null;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `plan_cursor` text;