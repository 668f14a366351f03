-- Keeps status_task_counts exact for every write to tasks (any module, any statement).
-- live counts tasks whose archived_at IS NULL. Rows are created on first use (INSERT OR IGNORE).
INSERT INTO `status_task_counts` (`status_id`, `total`, `live`)
  SELECT `status_id`, count(*), sum(`archived_at` IS NULL) FROM `tasks` GROUP BY `status_id`;
--> statement-breakpoint
CREATE TRIGGER `tasks_status_count_ai` AFTER INSERT ON `tasks` BEGIN
  INSERT OR IGNORE INTO `status_task_counts` (`status_id`) VALUES (NEW.`status_id`);
  UPDATE `status_task_counts` SET `total` = `total` + 1, `live` = `live` + (NEW.`archived_at` IS NULL) WHERE `status_id` = NEW.`status_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_status_count_ad` AFTER DELETE ON `tasks` BEGIN
  UPDATE `status_task_counts` SET `total` = `total` - 1, `live` = `live` - (OLD.`archived_at` IS NULL) WHERE `status_id` = OLD.`status_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `tasks_status_count_au` AFTER UPDATE OF `status_id`, `archived_at` ON `tasks`
WHEN OLD.`status_id` IS NOT NEW.`status_id` OR (OLD.`archived_at` IS NULL) IS NOT (NEW.`archived_at` IS NULL) BEGIN
  UPDATE `status_task_counts` SET `total` = `total` - 1, `live` = `live` - (OLD.`archived_at` IS NULL) WHERE `status_id` = OLD.`status_id`;
  INSERT OR IGNORE INTO `status_task_counts` (`status_id`) VALUES (NEW.`status_id`);
  UPDATE `status_task_counts` SET `total` = `total` + 1, `live` = `live` + (NEW.`archived_at` IS NULL) WHERE `status_id` = NEW.`status_id`;
END;
