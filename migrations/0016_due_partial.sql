DROP INDEX `messages_due`;--> statement-breakpoint
CREATE INDEX `messages_due` ON `messages` (`status`,`priority`,`due_at`) WHERE status in ('planned', 'queued', 'sending');