-- Full-text search (SPEC §7): one FTS5 index over task titles/descriptions, project names/descriptions
-- and comment bodies, kept in sync by triggers. search_docs maps each document to a stable INTEGER
-- rowid (VACUUM may renumber the implicit rowids of tables with TEXT primary keys; an INTEGER
-- PRIMARY KEY is kept), so the index never points at the wrong row.
CREATE TABLE `search_docs` (
	`id` integer PRIMARY KEY,
	`kind` text NOT NULL,
	`ref_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_docs_ref_uq` ON `search_docs` (`ref_id`, `kind`);
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_fts` USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `tasks_search_ai` AFTER INSERT ON `tasks` BEGIN
	INSERT INTO search_docs (kind, ref_id) VALUES ('task', new.id);
	INSERT INTO search_fts (rowid, title, body) VALUES (last_insert_rowid(), new.title, coalesce(new.description, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_search_au` AFTER UPDATE OF title, description ON `tasks`
WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
	UPDATE search_fts SET title = new.title, body = coalesce(new.description, '')
	WHERE rowid = (SELECT id FROM search_docs WHERE ref_id = new.id AND kind = 'task');
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_search_ad` AFTER DELETE ON `tasks` BEGIN
	DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE ref_id = old.id AND kind = 'task');
	DELETE FROM search_docs WHERE ref_id = old.id AND kind = 'task';
END;
--> statement-breakpoint
CREATE TRIGGER `projects_search_ai` AFTER INSERT ON `projects` BEGIN
	INSERT INTO search_docs (kind, ref_id) VALUES ('project', new.id);
	INSERT INTO search_fts (rowid, title, body) VALUES (last_insert_rowid(), new.name, coalesce(new.description, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `projects_search_au` AFTER UPDATE OF name, description ON `projects`
WHEN old.name IS NOT new.name OR old.description IS NOT new.description BEGIN
	UPDATE search_fts SET title = new.name, body = coalesce(new.description, '')
	WHERE rowid = (SELECT id FROM search_docs WHERE ref_id = new.id AND kind = 'project');
END;
--> statement-breakpoint
CREATE TRIGGER `projects_search_ad` AFTER DELETE ON `projects` BEGIN
	DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE ref_id = old.id AND kind = 'project');
	DELETE FROM search_docs WHERE ref_id = old.id AND kind = 'project';
END;
--> statement-breakpoint
CREATE TRIGGER `comments_search_ai` AFTER INSERT ON `comments` BEGIN
	INSERT INTO search_docs (kind, ref_id) VALUES ('comment', new.id);
	INSERT INTO search_fts (rowid, title, body) VALUES (last_insert_rowid(), '', new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `comments_search_au` AFTER UPDATE OF body ON `comments` WHEN old.body IS NOT new.body BEGIN
	UPDATE search_fts SET body = new.body
	WHERE rowid = (SELECT id FROM search_docs WHERE ref_id = new.id AND kind = 'comment');
END;
--> statement-breakpoint
CREATE TRIGGER `comments_search_ad` AFTER DELETE ON `comments` BEGIN
	DELETE FROM search_fts WHERE rowid = (SELECT id FROM search_docs WHERE ref_id = old.id AND kind = 'comment');
	DELETE FROM search_docs WHERE ref_id = old.id AND kind = 'comment';
END;
--> statement-breakpoint
INSERT INTO search_docs (kind, ref_id) SELECT 'project', id FROM projects;
--> statement-breakpoint
INSERT INTO search_docs (kind, ref_id) SELECT 'task', id FROM tasks;
--> statement-breakpoint
INSERT INTO search_docs (kind, ref_id) SELECT 'comment', id FROM comments;
--> statement-breakpoint
INSERT INTO search_fts (rowid, title, body)
	SELECT d.id, p.name, coalesce(p.description, '') FROM search_docs d JOIN projects p ON p.id = d.ref_id WHERE d.kind = 'project';
--> statement-breakpoint
INSERT INTO search_fts (rowid, title, body)
	SELECT d.id, t.title, coalesce(t.description, '') FROM search_docs d JOIN tasks t ON t.id = d.ref_id WHERE d.kind = 'task';
--> statement-breakpoint
INSERT INTO search_fts (rowid, title, body)
	SELECT d.id, '', c.body FROM search_docs d JOIN comments c ON c.id = d.ref_id WHERE d.kind = 'comment';
