-- 0001_init.sql - the AVP schema: accounts, projects, media, models, tasks,
-- detection runs, ground truth, devices under test and the audit log.
--
-- Conventions: bigint identity ids; timestamptz everywhere; a child row that
-- cannot outlive its parent is ON DELETE CASCADE; a row that only records
-- who did something keeps the row and sets the user to NULL (ON DELETE SET
-- NULL). Indexes on tables that grow large (detections, detection_events,
-- ground_truth_objects, videos) are in 0002_indexes.sql, built CONCURRENTLY.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
    password_hash text NOT NULL,
    is_admin      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_hash     bytea NOT NULL UNIQUE,
    name         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE projects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '',
    camera_model text NOT NULL DEFAULT '',
    camera_view  text NOT NULL DEFAULT '',
    lens_type    text NOT NULL DEFAULT '',
    resolution   text NOT NULL DEFAULT '',
    frame_rate   double precision,
    signal_type  text NOT NULL DEFAULT '',
    tolerance_ms integer NOT NULL DEFAULT 500 CHECK (tolerance_ms >= 0),
    criteria     jsonb NOT NULL DEFAULT '{}',
    created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_created ON projects (created_at DESC, id DESC);

CREATE TABLE project_members (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
-- "Which projects may this user see" is asked on every request.
CREATE INDEX project_members_user ON project_members (user_id, project_id);

CREATE TABLE videos (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    filename    text NOT NULL,
    path        text NOT NULL,
    size_bytes  bigint NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
    duration    double precision,
    fps         double precision,
    width       integer,
    height      integer,
    frame_count bigint,
    codec       text,
    sha256      text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    status      text NOT NULL DEFAULT 'uploading'
                CHECK (status IN ('uploading', 'ready', 'failed', 'deleting')),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE models (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    path        text NOT NULL,
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    family      text NOT NULL,
    input_w     integer NOT NULL CHECK (input_w > 0),
    input_h     integer NOT NULL CHECK (input_h > 0),
    num_classes integer NOT NULL CHECK (num_classes > 0),
    class_names jsonb NOT NULL DEFAULT '[]',
    size_bytes  bigint NOT NULL DEFAULT 0,
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX models_created ON models (created_at DESC, id DESC);

CREATE TABLE detection_runs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id         bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    model_id         bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    conf             real NOT NULL CHECK (conf >= 0 AND conf <= 1),
    iou              real NOT NULL CHECK (iou >= 0 AND iou <= 1),
    every            integer NOT NULL DEFAULT 1 CHECK (every >= 1),
    params           jsonb NOT NULL DEFAULT '{}',
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    -- The committed progress mark: every frame below it is stored, none at
    -- or above it is. Moved only by store_detections_append() together
    -- with the rows (see src/store/detections.c).
    frames_done      bigint NOT NULL DEFAULT 0 CHECK (frames_done >= 0),
    detections_count bigint NOT NULL DEFAULT 0 CHECK (detections_count >= 0),
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX detection_runs_video ON detection_runs (video_id, created_at DESC);
CREATE INDEX detection_runs_model ON detection_runs (model_id);

CREATE TABLE tasks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text NOT NULL,
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress         real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    frames_done      bigint NOT NULL DEFAULT 0,
    frames_total     bigint,
    fps              real,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    error            text,
    payload          jsonb NOT NULL DEFAULT '{}',
    run_id           bigint REFERENCES detection_runs (id) ON DELETE CASCADE,
    project_id       bigint REFERENCES projects (id) ON DELETE CASCADE,
    cancel_requested boolean NOT NULL DEFAULT false,
    worker           text,
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_state ON tasks (state, created_at);
CREATE INDEX tasks_run ON tasks (run_id);

-- The largest table, written at hundreds of thousands of rows a second, so
-- it carries nothing it does not need:
-- - No primary key: (run_id, frame, id) in 0002 identifies a row and serves
--   keyset pagination. id comes from the identity sequence, so it grows in
--   COPY order within a frame (one COPY, one backend, ascending ids).
-- - The sequence hands each backend 1000 ids at a time: nextval per row
--   otherwise costs a third of the COPY rate on small batches (measured
--   91k against 150k rows/s); the price is gaps in ids, which mean nothing.
-- - No foreign key on run_id: its per-row check divides the COPY rate by
--   four (measured 110k against 490k rows/s). The only writer,
--   store_detections_append(), updates the run's row in the same
--   transaction as its COPY, which proves the run exists and keeps it from
--   being deleted until the commit. The cascade on delete is the trigger
--   below.
CREATE TABLE detections (
    id       bigint GENERATED ALWAYS AS IDENTITY (CACHE 1000),
    run_id   bigint NOT NULL,
    frame    integer NOT NULL CHECK (frame >= 0),
    t        double precision NOT NULL,
    class_id integer NOT NULL CHECK (class_id >= 0),
    score    real NOT NULL,
    x1       real NOT NULL,
    y1       real NOT NULL,
    x2       real NOT NULL,
    y2       real NOT NULL
);

CREATE FUNCTION detection_runs_delete_detections() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM detections WHERE run_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER detection_runs_cascade BEFORE DELETE ON detection_runs
    FOR EACH ROW EXECUTE FUNCTION detection_runs_delete_detections();

CREATE TABLE tracks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id    bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    class       text NOT NULL,
    first_frame integer,
    last_frame  integer,
    first_t     double precision,
    last_t      double precision,
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tracks_video ON tracks (video_id, first_frame);

CREATE TABLE ground_truth_objects (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id   bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    frame      integer NOT NULL CHECK (frame >= 0),
    t          double precision NOT NULL,
    class      text NOT NULL,
    x1         real NOT NULL,
    y1         real NOT NULL,
    x2         real NOT NULL,
    y2         real NOT NULL,
    -- A box outlives a deleted track (it just becomes unlinked).
    track_id   bigint REFERENCES tracks (id) ON DELETE SET NULL,
    validated  boolean NOT NULL DEFAULT false,
    difficult  boolean NOT NULL DEFAULT false,
    occluded   boolean NOT NULL DEFAULT false,
    truncated  boolean NOT NULL DEFAULT false,
    source     text NOT NULL CHECK (source IN ('model', 'human', 'import')),
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE class_maps (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    from_class text NOT NULL,
    to_label   text NOT NULL,
    PRIMARY KEY (project_id, from_class)
);

CREATE TABLE test_sessions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    video_id            bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    name                text NOT NULL DEFAULT '',
    tolerance_ms        integer NOT NULL DEFAULT 500 CHECK (tolerance_ms >= 0),
    criteria            jsonb NOT NULL DEFAULT '{}',
    -- Device clock minus video clock, in seconds, once known.
    sync_offset         double precision,
    playback_started_at timestamptz,
    state               text NOT NULL DEFAULT 'open'
                        CHECK (state IN ('open', 'running', 'closed')),
    created_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX test_sessions_project ON test_sessions (project_id, created_at DESC, id DESC);

CREATE TABLE detection_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    test_session_id bigint NOT NULL REFERENCES test_sessions (id) ON DELETE CASCADE,
    class           text NOT NULL,
    confidence      real CHECK (confidence >= 0 AND confidence <= 1),
    x1              real,
    y1              real,
    x2              real,
    y2              real,
    -- Video seconds, after conversion from the device clock if needed.
    "timestamp"     double precision NOT NULL,
    -- The device's own epoch time as posted, kept for audit.
    device_time     double precision,
    received_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE evaluations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id     bigint REFERENCES detection_runs (id) ON DELETE CASCADE,
    test_session_id bigint REFERENCES test_sessions (id) ON DELETE CASCADE,
    manifest   jsonb NOT NULL,
    results    jsonb NOT NULL,
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (run_id IS NOT NULL OR test_session_id IS NOT NULL)
);
CREATE INDEX evaluations_run ON evaluations (run_id);
CREATE INDEX evaluations_session ON evaluations (test_session_id);

-- The audit log outlives what it describes: no foreign key on the object,
-- and the user is kept as NULL when the account goes.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   bigint,
    detail      jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, at);
CREATE INDEX audit_log_at ON audit_log (at DESC);
