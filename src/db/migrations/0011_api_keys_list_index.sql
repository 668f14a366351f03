DROP INDEX `api_keys_user_idx`;--> statement-breakpoint
CREATE INDEX `api_keys_user_kind_id_idx` ON `api_keys` (`user_id`,`kind`,`id`);