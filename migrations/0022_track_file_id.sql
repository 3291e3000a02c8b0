-- 0022_track_file_id.sql - the track id an imported file gave a track
-- (a MOTChallenge id, a CVAT track id, ...), so that an export writes the
-- file's own numbers back and import -> export -> import is the identity
-- (issue 14); the row's id says nothing to the tool that made the file.
-- NULL for a track made in AVP (auto ground truth, drawn, split), which
-- the export numbers past the video's largest file id. Bounded to what a
-- JSON number holds exactly, so that that sum cannot overflow. Expand
-- only: a nullable column with no default, added without rewriting the
-- table.
ALTER TABLE tracks
    ADD COLUMN file_track_id bigint
        CHECK (file_track_id >= 0 AND file_track_id < 9007199254740992);
