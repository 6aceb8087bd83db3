DROP INDEX `message_events_message`;--> statement-breakpoint
CREATE INDEX `message_events_message` ON `message_events` (`message_id`,`id`);--> statement-breakpoint
DROP INDEX `timeline_customer`;--> statement-breakpoint
CREATE INDEX `timeline_customer` ON `timeline_entries` (`customer_id`,`at`);--> statement-breakpoint
CREATE INDEX `console_sessions_key` ON `console_sessions` (`key_id`);--> statement-breakpoint
CREATE INDEX `console_sessions_staff` ON `console_sessions` (`staff_id`);