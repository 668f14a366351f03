DROP INDEX `api_keys_user_idx`;--> statement-breakpoint
CREATE INDEX `api_keys_user_kind_id_idx` ON `api_keys` (`user_id`,`kind`,`id`);--> statement-breakpoint
DROP INDEX `clients_ws_idx`;--> statement-breakpoint
CREATE INDEX `clients_ws_id_idx` ON `clients` (`workspace_id`,`id`);--> statement-breakpoint
DROP INDEX `webhooks_ws_idx`;--> statement-breakpoint
CREATE INDEX `webhooks_ws_id_idx` ON `webhooks` (`workspace_id`,`id`);--> statement-breakpoint
CREATE INDEX `projects_ws_id_idx` ON `projects` (`workspace_id`,`id`);