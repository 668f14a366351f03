ALTER TABLE `tasks` ADD `assignee_ids` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `label_ids` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `todo_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `todo_done_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `tasks` SET
  `assignee_ids` = (SELECT json_group_array(`user_id`) FROM (SELECT `user_id` FROM `task_assignees` WHERE `task_id` = `tasks`.`id` ORDER BY `user_id`)),
  `label_ids` = (SELECT json_group_array(`label_id`) FROM (SELECT `label_id` FROM `task_labels` WHERE `task_id` = `tasks`.`id` ORDER BY `label_id`)),
  `todo_count` = (SELECT count(*) FROM `todos` WHERE `task_id` = `tasks`.`id`),
  `todo_done_count` = (SELECT coalesce(sum(`done`), 0) FROM `todos` WHERE `task_id` = `tasks`.`id`);
--> statement-breakpoint
CREATE TRIGGER `task_assignees_card_ai` AFTER INSERT ON `task_assignees` BEGIN
  UPDATE `tasks` SET `assignee_ids` = (SELECT json_group_array(`user_id`) FROM (SELECT `user_id` FROM `task_assignees` WHERE `task_id` = NEW.`task_id` ORDER BY `user_id`)) WHERE `id` = NEW.`task_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `task_assignees_card_ad` AFTER DELETE ON `task_assignees` BEGIN
  UPDATE `tasks` SET `assignee_ids` = (SELECT json_group_array(`user_id`) FROM (SELECT `user_id` FROM `task_assignees` WHERE `task_id` = OLD.`task_id` ORDER BY `user_id`)) WHERE `id` = OLD.`task_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `task_labels_card_ai` AFTER INSERT ON `task_labels` BEGIN
  UPDATE `tasks` SET `label_ids` = (SELECT json_group_array(`label_id`) FROM (SELECT `label_id` FROM `task_labels` WHERE `task_id` = NEW.`task_id` ORDER BY `label_id`)) WHERE `id` = NEW.`task_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `task_labels_card_ad` AFTER DELETE ON `task_labels` BEGIN
  UPDATE `tasks` SET `label_ids` = (SELECT json_group_array(`label_id`) FROM (SELECT `label_id` FROM `task_labels` WHERE `task_id` = OLD.`task_id` ORDER BY `label_id`)) WHERE `id` = OLD.`task_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `todos_card_ai` AFTER INSERT ON `todos` BEGIN
  UPDATE `tasks` SET `todo_count` = `todo_count` + 1, `todo_done_count` = `todo_done_count` + (NEW.`done` <> 0) WHERE `id` = NEW.`task_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `todos_card_ad` AFTER DELETE ON `todos` BEGIN
  UPDATE `tasks` SET `todo_count` = `todo_count` - 1, `todo_done_count` = `todo_done_count` - (OLD.`done` <> 0) WHERE `id` = OLD.`task_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `todos_card_au` AFTER UPDATE OF `done`, `task_id` ON `todos`
WHEN OLD.`task_id` IS NOT NEW.`task_id` OR (OLD.`done` <> 0) IS NOT (NEW.`done` <> 0) BEGIN
  UPDATE `tasks` SET `todo_count` = `todo_count` - 1, `todo_done_count` = `todo_done_count` - (OLD.`done` <> 0) WHERE `id` = OLD.`task_id`;
  UPDATE `tasks` SET `todo_count` = `todo_count` + 1, `todo_done_count` = `todo_done_count` + (NEW.`done` <> 0) WHERE `id` = NEW.`task_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `task_assignees_card_au` AFTER UPDATE ON `task_assignees` BEGIN
  UPDATE `tasks` SET `assignee_ids` = (SELECT json_group_array(`user_id`) FROM (SELECT `user_id` FROM `task_assignees` WHERE `task_id` = `tasks`.`id` ORDER BY `user_id`)) WHERE `id` IN (OLD.`task_id`, NEW.`task_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `task_labels_card_au` AFTER UPDATE ON `task_labels` BEGIN
  UPDATE `tasks` SET `label_ids` = (SELECT json_group_array(`label_id`) FROM (SELECT `label_id` FROM `task_labels` WHERE `task_id` = `tasks`.`id` ORDER BY `label_id`)) WHERE `id` IN (OLD.`task_id`, NEW.`task_id`);
END;
