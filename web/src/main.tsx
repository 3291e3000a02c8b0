import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, PAGE_ROUTES } from './app/App';
import { preloadFor } from './app/lazyPage';
import { prefetchFor } from './app/prefetch';
import { createQueryClient } from './app/queryClient';
import { startVitals } from './lib/vitals';
import './app/styles.css';

// The first page's data and chunk load together, before the first render
// (see prefetch.ts and lazyPage.ts).
const queryClient = createQueryClient();
prefetchFor(queryClient, location);
void preloadFor(location.pathname, PAGE_ROUTES).then(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App queryClient={queryClient} />
    </StrictMode>,
  );
  // Web Vitals load once the page is up: their chunk and first reports
  // would otherwise compete with the page's own requests. The observers
  // read buffered entries, so nothing is missed.
  const idle = window.requestIdleCallback ?? ((fn: () => void) => setTimeout(fn, 200));
  idle(() => void startVitals());
});
