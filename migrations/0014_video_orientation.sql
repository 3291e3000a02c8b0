-- 0014_video_orientation.sql - how the upload's probe found the video
-- stored and turned for display (issue 17): frames are decoded as the
-- player shows them, so width and height (and every box of a run) are the
-- displayed size, stored_width/stored_height the encoded one, and rotation
-- (clockwise degrees) and mirrored what the container's display matrix
-- said. NULL for videos stored before AVP turned frames: their width,
-- height and runs are in the stored picture's coordinates.
ALTER TABLE videos
    ADD COLUMN stored_width integer,
    ADD COLUMN stored_height integer,
    ADD COLUMN rotation smallint CHECK (rotation IN (0, 90, 180, 270)),
    ADD COLUMN mirrored boolean;
