-- INSERT OR REPLACE deletes the old row without firing DELETE triggers (unless
-- recursive_triggers is on), so it could overwrite a ledger row in place. Refuse any insert
-- whose key already exists, in the database itself.
CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries WHEN EXISTS (SELECT 1 FROM entries WHERE seq = NEW.seq) BEGIN SELECT RAISE(ABORT, 'lotproof: entries are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER tree_nodes_no_replace BEFORE INSERT ON tree_nodes WHEN EXISTS (SELECT 1 FROM tree_nodes WHERE level = NEW.level AND idx = NEW.idx) BEGIN SELECT RAISE(ABORT, 'lotproof: tree_nodes are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints WHEN EXISTS (SELECT 1 FROM checkpoints WHERE size = NEW.size) BEGIN SELECT RAISE(ABORT, 'lotproof: checkpoints are append-only'); END;
