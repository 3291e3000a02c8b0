import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, PAGE_ROUTES } from './app/App';
import { preloadFor } from './app/lazyPage';
import { startVitals } from './lib/vitals';
import './app/styles.css';

// The first page's chunk loads before the first render (see lazyPage.ts).
void preloadFor(location.pathname, PAGE_ROUTES).then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);

void startVitals();
