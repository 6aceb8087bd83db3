PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_message_events` (
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`message_id` text NOT NULL,
	`at` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`detail` text,
	`applied` integer NOT NULL,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_message_events`("id", "tenant_id", "message_id", "at", "status", "reason", "detail", "applied") SELECT "id", "tenant_id", "message_id", "at", "status", "reason", "detail", "applied" FROM `message_events` ORDER BY rowid;--> statement-breakpoint
DROP TABLE `message_events`;--> statement-breakpoint
ALTER TABLE `__new_message_events` RENAME TO `message_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `message_events_message` ON `message_events` (`message_id`);