// VideosPanel.tsx - a project's videos: upload area and the list (newest
// first) with lazy thumbnails, duration, resolution and status.
import { Link } from 'react-router';
import { useVideos } from '../api/videos';
import { useDeleteVideo } from '../api/deleteVideo';
import { videoThumbnailUrl } from '../api/types';
import { UploadDropzone } from './UploadDropzone';
import { Empty, ErrorState, Loading, StateBadge } from '../../../components/States';
import { LazyImage } from '../../../components/LazyImage';
import { formatBytes, formatDate, formatDuration } from '../../../lib/format';
import { errorText } from '../../../lib/errorText';

export function VideosPanel({ projectId }: { projectId: number }) {
  const videos = useVideos(projectId);
  const del = useDeleteVideo();
  const items = videos.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card" aria-labelledby="videos-title">
      <h2 id="videos-title">Videos</h2>
      <UploadDropzone projectId={projectId} />
      {videos.isPending ? <Loading label="Loading videos…" />
        : videos.isError ? <ErrorState error={videos.error} what="videos" retry={() => videos.refetch()} />
        : items.length === 0 ? <Empty title="No videos yet">Next step: upload a video. Drop clips on the area above or press “Choose files…”.</Empty>
        : (
          <table className="table videos-table">
            <thead>
              <tr>
                <th scope="col"><span className="sr-only">Thumbnail</span></th>
                <th scope="col">File</th><th scope="col">Duration</th><th scope="col">Resolution</th>
                <th scope="col">Size</th><th scope="col">Status</th><th scope="col">Added</th><th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((v) => (
                <tr key={v.id}>
                  <td><LazyImage src={videoThumbnailUrl(v.id)} alt="" width={96} height={54} /></td>
                  <td><Link to={`/videos/${v.id}`}>{v.filename}</Link>{v.codec && <div className="muted small">{v.codec}{v.fps ? ` · ${v.fps.toFixed(2)} fps` : ''}</div>}</td>
                  <td className="num">{formatDuration(v.duration)}</td>
                  <td className="num">{v.width && v.height ? `${v.width}×${v.height}` : '—'}</td>
                  <td className="num">{formatBytes(v.size_bytes)}</td>
                  <td><StateBadge state={v.status} /></td>
                  <td>{formatDate(v.created_at)}</td>
                  <td>
                    <button type="button" className="btn btn-ghost btn-small" aria-label={`Delete ${v.filename}`}
                      onClick={() => { if (confirm(`Delete ${v.filename} and its runs?`)) del.mutate(v.id); }}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {videos.hasNextPage && (
        <button type="button" className="btn load-more" onClick={() => videos.fetchNextPage()} disabled={videos.isFetchingNextPage}>
          {videos.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
      {del.error && <p className="form-error" role="alert">{errorText(del.error)}</p>}
    </section>
  );
}
