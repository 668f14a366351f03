-- Search cost follows what the caller can see: every FTS row carries its workspace as one token in
-- the `ws` column ('w' || lower(hex(workspace_id)), see src/search/service.ts), and every search
-- matches `ws : <token> AND {title body} : (<words>)`, so FTS5 walks the doclists of the caller's
-- workspace only (AND seeks through the other doclist) instead of matching every workspace and
-- filtering after. Prefix indexes for 1-3 characters keep short prefix words ("a"*) one doclist
-- read instead of a merge of every term that starts with them, across all workspaces.
-- The index is rebuilt from the source tables; search_docs (stable rowids, kind, project) is kept.
DROP TABLE `search_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_fts` USING fts5(ws, title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
--> statement-breakpoint
INSERT INTO search_fts (rowid, ws, title, body)
	SELECT d.id, 'w' || lower(hex(p.workspace_id)), p.name, coalesce(p.description, '')
	FROM search_docs d JOIN projects p ON p.id = d.ref_id WHERE d.kind = 'project';
--> statement-breakpoint
INSERT INTO search_fts (rowid, ws, title, body)
	SELECT d.id, 'w' || lower(hex(t.workspace_id)), t.title, coalesce(t.description, '')
	FROM search_docs d JOIN tasks t ON t.id = d.ref_id WHERE d.kind = 'task';
--> statement-breakpoint
INSERT INTO search_fts (rowid, ws, title, body)
	SELECT d.id, 'w' || lower(hex(t.workspace_id)), '', c.body
	FROM search_docs d JOIN comments c ON c.id = d.ref_id JOIN tasks t ON t.id = c.task_id WHERE d.kind = 'comment';
--> statement-breakpoint
DROP TRIGGER `tasks_search_ai`;
--> statement-breakpoint
CREATE TRIGGER `tasks_search_ai` AFTER INSERT ON `tasks` BEGIN
	INSERT INTO search_docs (kind, ref_id, project_id) VALUES ('task', new.id, new.project_id);
	INSERT INTO search_fts (rowid, ws, title, body)
	VALUES (last_insert_rowid(), 'w' || lower(hex(new.workspace_id)), new.title, coalesce(new.description, ''));
END;
--> statement-breakpoint
DROP TRIGGER `projects_search_ai`;
--> statement-breakpoint
CREATE TRIGGER `projects_search_ai` AFTER INSERT ON `projects` BEGIN
	INSERT INTO search_docs (kind, ref_id, project_id) VALUES ('project', new.id, new.id);
	INSERT INTO search_fts (rowid, ws, title, body)
	VALUES (last_insert_rowid(), 'w' || lower(hex(new.workspace_id)), new.name, coalesce(new.description, ''));
END;
--> statement-breakpoint
DROP TRIGGER `comments_search_ai`;
--> statement-breakpoint
CREATE TRIGGER `comments_search_ai` AFTER INSERT ON `comments` BEGIN
	INSERT INTO search_docs (kind, ref_id, project_id) VALUES ('comment', new.id, (SELECT project_id FROM tasks WHERE id = new.task_id));
	INSERT INTO search_fts (rowid, ws, title, body)
	VALUES (last_insert_rowid(), 'w' || lower(hex((SELECT workspace_id FROM tasks WHERE id = new.task_id))), '', new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_search_workspace_au` AFTER UPDATE OF workspace_id ON `tasks` WHEN old.workspace_id IS NOT new.workspace_id BEGIN
	UPDATE search_fts SET ws = 'w' || lower(hex(new.workspace_id))
	WHERE rowid IN (
		SELECT id FROM search_docs WHERE ref_id = new.id AND kind = 'task'
		UNION ALL SELECT d.id FROM comments c JOIN search_docs d ON d.ref_id = c.id AND d.kind = 'comment' WHERE c.task_id = new.id
	);
END;
--> statement-breakpoint
CREATE TRIGGER `projects_search_workspace_au` AFTER UPDATE OF workspace_id ON `projects` WHEN old.workspace_id IS NOT new.workspace_id BEGIN
	UPDATE search_fts SET ws = 'w' || lower(hex(new.workspace_id))
	WHERE rowid = (SELECT id FROM search_docs WHERE ref_id = new.id AND kind = 'project');
END;
