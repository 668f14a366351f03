-- Search speed: each search document carries the project it belongs to (a task's project, a
-- comment's task's project, a project itself), kept by triggers, so GET /search filters every match
-- by the visibility rule with one lookup and joins the display columns for the top hits only.
ALTER TABLE `search_docs` ADD `project_id` text;
--> statement-breakpoint
UPDATE search_docs SET project_id = ref_id WHERE kind = 'project';
--> statement-breakpoint
UPDATE search_docs SET project_id = (SELECT t.project_id FROM tasks t WHERE t.id = search_docs.ref_id) WHERE kind = 'task';
--> statement-breakpoint
UPDATE search_docs SET project_id = (SELECT t.project_id FROM comments c JOIN tasks t ON t.id = c.task_id WHERE c.id = search_docs.ref_id) WHERE kind = 'comment';
--> statement-breakpoint
DROP TRIGGER `tasks_search_ai`;
--> statement-breakpoint
CREATE TRIGGER `tasks_search_ai` AFTER INSERT ON `tasks` BEGIN
	INSERT INTO search_docs (kind, ref_id, project_id) VALUES ('task', new.id, new.project_id);
	INSERT INTO search_fts (rowid, title, body) VALUES (last_insert_rowid(), new.title, coalesce(new.description, ''));
END;
--> statement-breakpoint
DROP TRIGGER `projects_search_ai`;
--> statement-breakpoint
CREATE TRIGGER `projects_search_ai` AFTER INSERT ON `projects` BEGIN
	INSERT INTO search_docs (kind, ref_id, project_id) VALUES ('project', new.id, new.id);
	INSERT INTO search_fts (rowid, title, body) VALUES (last_insert_rowid(), new.name, coalesce(new.description, ''));
END;
--> statement-breakpoint
DROP TRIGGER `comments_search_ai`;
--> statement-breakpoint
CREATE TRIGGER `comments_search_ai` AFTER INSERT ON `comments` BEGIN
	INSERT INTO search_docs (kind, ref_id, project_id) VALUES ('comment', new.id, (SELECT project_id FROM tasks WHERE id = new.task_id));
	INSERT INTO search_fts (rowid, title, body) VALUES (last_insert_rowid(), '', new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_search_project_au` AFTER UPDATE OF project_id ON `tasks` WHEN old.project_id IS NOT new.project_id BEGIN
	UPDATE search_docs SET project_id = new.project_id WHERE ref_id = new.id AND kind = 'task';
	UPDATE search_docs SET project_id = new.project_id
	WHERE kind = 'comment' AND ref_id IN (SELECT id FROM comments WHERE task_id = new.id);
END;
