ALTER TABLE `campaigns` ADD `rollout` text;--> statement-breakpoint
-- Experiments planned before the hash was squared keep the hash they were planned with.
UPDATE `campaigns` SET `experiment` = json_set(`experiment`, '$.hash', 1) WHERE `experiment` IS NOT NULL;
