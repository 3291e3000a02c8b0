-- 0010_video_container.sql - the container the upload's probe found
-- (FFmpeg's demuxer name, "mov,mp4,m4a,3gp,3g2,mj2"), from which the
-- stream's Content-Type is derived: never from the uploaded file name,
-- which the uploader chooses. NULL for videos stored before it was kept;
-- those are streamed as application/octet-stream.
ALTER TABLE videos ADD COLUMN container text;
