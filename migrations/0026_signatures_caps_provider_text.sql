ALTER TABLE `channels` ADD `number_caps` text;--> statement-breakpoint
ALTER TABLE `channels` ADD `signature_approval` text DEFAULT 'unknown' NOT NULL;--> statement-breakpoint
ALTER TABLE `channels` ADD `signature_detail` text;--> statement-breakpoint
ALTER TABLE `channels` ADD `signature_checked_at` integer;--> statement-breakpoint
ALTER TABLE `template_bindings` ADD `provider_text` text;--> statement-breakpoint
ALTER TABLE `template_bindings` ADD `provider_kind` text;--> statement-breakpoint
-- Bindings checked before the provider's text was read are asked again at the next run.
UPDATE `template_bindings` SET `approval_checked_at` = NULL;
