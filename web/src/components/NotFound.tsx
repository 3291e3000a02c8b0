// NotFound.tsx - the page for an address that leads nowhere: an unknown
// path, an id that is not a number, or an object that does not exist or
// is not the user's to see (the server says 404 for both, on purpose).
import { Link, useNavigate } from 'react-router';

export function NotFound({ what = 'page' }: { what?: string }) {
  const navigate = useNavigate();
  return (
    <section className="card not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">This {what} does not exist</h1>
      <p className="muted">
        The address may be mistyped, or the {what} was deleted, or it belongs to a project you are not a member of.
      </p>
      <p className="links">
        <Link className="btn btn-primary" to="/">Go to your projects</Link>
        <button type="button" className="btn" onClick={() => navigate(-1)}>Go back</button>
      </p>
    </section>
  );
}

/** The id in a route parameter: a positive integer, or null for anything
 * else ("abc", "1.5", "-2", ""), which gets the not-found page. */
export function routeId(param: string | undefined): number | null {
  return param && /^[1-9]\d{0,15}$/.test(param) ? Number(param) : null;
}
