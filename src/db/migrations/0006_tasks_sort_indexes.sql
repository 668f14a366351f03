-- drizzle-kit 0.31 splits an index expression at its comma (coalesce("due_date"`,` ...)): the two due
-- indexes were corrected by hand; the snapshot records them correctly, so later generates stay clean.
CREATE INDEX `tasks_ws_updated_idx` ON `tasks` (`workspace_id`,`updated_at`,`id`) WHERE archived_at IS NULL;--> statement-breakpoint
CREATE INDEX `tasks_ws_due_idx` ON `tasks` (`workspace_id`,coalesce("due_date", '9999-12-31'),`id`) WHERE archived_at IS NULL;--> statement-breakpoint
CREATE INDEX `tasks_project_updated_idx` ON `tasks` (`project_id`,`updated_at`,`id`) WHERE archived_at IS NULL;--> statement-breakpoint
CREATE INDEX `tasks_project_due_idx` ON `tasks` (`project_id`,coalesce("due_date", '9999-12-31'),`id`) WHERE archived_at IS NULL;